using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using WarmKeeper.Agent.Hosting;

namespace WarmKeeper.Testing;

/// <summary>
/// The real agent (its composition root, its shipped appsettings.json) on real loopback ports chosen
/// by the OS, so tests run side by side; extra arguments are ordinary --Key=Value configuration.
/// Shared by the agent's tests and the dashboard's browser tests.
/// </summary>
public sealed class AgentHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private readonly bool _ownsDataDirectory;

    private AgentHost(WebApplication app, Uri baseAddress, string dataDirectory, bool ownsDataDirectory)
    {
        _ownsDataDirectory = ownsDataDirectory;
        _app = app;
        BaseAddress = baseAddress;
        DataDirectory = dataDirectory;
        Client = new HttpClient { BaseAddress = baseAddress };
    }

    public Uri BaseAddress { get; }

    public string DataDirectory { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static Task<AgentHost> StartAsync(string? dataDirectory = null, params string[] args) => StartAsync(dataDirectory, null, args, CancellationToken.None);

    /// <param name="timeProvider">The agent's one clock (a fake clock for timing-sensitive tests); the system clock when null.</param>
    public static Task<AgentHost> StartAsync(string? dataDirectory, TimeProvider? timeProvider, params string[] args) =>
        StartAsync(dataDirectory, timeProvider, args, CancellationToken.None);

    /// <param name="dataDirectory">The agent's data directory; a new temporary one (deleted on disposal) when null.</param>
    /// <param name="timeProvider">The agent's one clock (a fake clock for timing-sensitive tests); the system clock when null.</param>
    /// <param name="args">More configuration, after the defaults: a later value wins.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<AgentHost> StartAsync(string? dataDirectory, TimeProvider? timeProvider, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var owns = dataDirectory is null;
        dataDirectory ??= Directory.CreateTempSubdirectory("warmkeeper-agent-").FullName;
        string[] defaults =
        [
            "--urls=http://127.0.0.1:0",
            "--WarmKeeper:LocalRuntime:Url=http://127.0.0.1:0",
            "--WarmKeeper:Proxy:Url=http://127.0.0.1:0",
            $"--WarmKeeper:DataDirectory={dataDirectory}",
            "--Logging:LogLevel:Default=Warning",
            // Tests make their own traffic; the demo's would blur what they measure.
            "--WarmKeeper:Demo:Enabled=false",
        ];
        var app = AgentApplication.Build([.. defaults, .. args], timeProvider);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new AgentHost(app, new Uri(address), dataDirectory, owns);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_ownsDataDirectory)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open; the OS cleans the temp folder.
            }
        }
    }
}
