using WarmKeeper.LocalRuntime;
using WarmKeeper.Lambda.Signing;
using WarmKeeper.LocalRuntime.Auth;
using WarmKeeper.LocalRuntime.Hosting;

namespace WarmKeeper.Lambda.Tests;

/// <summary>
/// The real local runtime on 127.0.0.1:0, requiring SigV4 (through <see cref="SigV4RequestAuthenticator"/>),
/// and a client signed with the matching keys. Shared by a test class; tests use their own functions
/// where they change state.
/// </summary>
public sealed class SignedLocalRuntime : IAsyncLifetime
{
    public const int PagedFunctionCount = 7;

    public LocalRuntimeServer Server { get; private set; } = null!;

    public LambdaControlPlane Lambda { get; private set; } = null!;

    public static LocalRuntimeOptions Options()
    {
        var options = new LocalRuntimeOptions
        {
            Url = "http://127.0.0.1:0",
            Region = TestTargets.Region,
            ProvisioningDelay = TimeSpan.FromMilliseconds(100),
            Credentials = new LocalRuntimeCredentials { AccessKeyId = TestTargets.AccessKeyId, SecretAccessKey = TestTargets.SecretAccessKey },
        };
        LocalFunctionOptions Echo() => new()
        {
            Handler = LocalHandlerKind.Echo,
            InitDuration = TimeSpan.FromMilliseconds(30),
            Versions = ["1", "2"],
            Aliases = new(StringComparer.Ordinal) { ["live"] = "2", ["old"] = "1" },
        };
        options.Functions["hello"] = Echo();
        options.Functions["hello"].Tags["team"] = "payments";
        options.Functions["reporting"] = Echo();
        options.Functions["reserved"] = Echo();
        options.Functions["throttled"] = Echo();
        options.Functions["provisioned"] = Echo();
        options.Functions["broken"] = new LocalFunctionOptions { Handler = LocalHandlerKind.Fail, InitDuration = TimeSpan.FromMilliseconds(5) };
        for (var i = 0; i < PagedFunctionCount; i++)
        {
            options.Functions[$"paged-{i:00}"] = new LocalFunctionOptions { Handler = LocalHandlerKind.Echo };
        }

        return options;
    }

    public async Task InitializeAsync()
    {
        var options = Options();
        Server = await LocalRuntimeServer.StartAsync(options, new LocalRuntimeServerDependencies
        {
            Authenticator = new SigV4RequestAuthenticator(SigV4RequestAuthenticator.CreateVerifier(options, TimeProvider.System)),
        });
        Lambda = LambdaControlPlane.Create(TestTargets.Options(Server.BaseAddress, o => o.Name = "local"));
    }

    public async Task DisposeAsync()
    {
        Lambda.Dispose();
        await Server.DisposeAsync();
    }
}
