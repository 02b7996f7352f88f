using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using WarmKeeper.Agent.Hosting;

namespace WarmKeeper.Benchmarks;

/// <summary>The real agent (composition root and shipped appsettings.json) on loopback port 0, on a given data directory.</summary>
internal sealed class BenchAgent : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BenchAgent(WebApplication app) => _app = app;

    public IServiceProvider Services => _app.Services;

    public T Get<T>() where T : notnull => _app.Services.GetRequiredService<T>();

    public static async Task<BenchAgent> StartAsync(string dataDirectory, CancellationToken cancellationToken, params string[] args)
    {
        string[] defaults =
        [
            "--urls=http://127.0.0.1:0",
            "--WarmKeeper:LocalRuntime:Url=http://127.0.0.1:0",
            $"--WarmKeeper:DataDirectory={dataDirectory}",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",
        ];
        var app = AgentApplication.Build([.. defaults, .. args]);
        await app.StartAsync(cancellationToken);
        return new BenchAgent(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
