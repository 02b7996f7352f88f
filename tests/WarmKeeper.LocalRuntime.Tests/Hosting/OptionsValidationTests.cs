using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using WarmKeeper.LocalRuntime.Engine;
using WarmKeeper.LocalRuntime.Hosting;

namespace WarmKeeper.LocalRuntime.Tests.Hosting;

public sealed class OptionsValidationTests
{
    [Fact]
    public void Every_problem_is_reported_with_its_configuration_path()
    {
        var options = new LocalRuntimeOptions
        {
            Url = "ftp://nowhere",
            AccountId = "12",
            AccountConcurrency = 100,
            UnreservedConcurrencyFloor = 100,
            IdleTimeout = TimeSpan.Zero,
            Credentials = new LocalRuntimeCredentials { AccessKeyId = "AKID" },
        };
        options.Functions["orders"] = new LocalFunctionOptions
        {
            MemoryMb = 64,
            Timeout = TimeSpan.FromMinutes(20),
            Versions = ["1", "x"],
            Aliases = new(StringComparer.Ordinal) { ["live"] = "7" },
        };
        options.Functions["proc"] = new LocalFunctionOptions { Handler = LocalHandlerKind.Process };
        options.Functions["bad name!"] = new LocalFunctionOptions();

        var errors = LocalRuntimeOptionsValidator.Validate(options, "WarmKeeper:LocalRuntime");

        string[] expected =
        [
            "WarmKeeper:LocalRuntime:Url is not an absolute http URL.",
            "WarmKeeper:LocalRuntime:AccountId must be twelve digits.",
            "WarmKeeper:LocalRuntime:UnreservedConcurrencyFloor must be below AccountConcurrency.",
            "WarmKeeper:LocalRuntime:IdleTimeout must be positive.",
            "WarmKeeper:LocalRuntime:Credentials:SecretAccessKey is required when Credentials is set.",
            "WarmKeeper:LocalRuntime:Functions:orders:MemoryMb must be between 128 and 10240.",
            "WarmKeeper:LocalRuntime:Functions:orders:Timeout must be positive and at most 15 minutes.",
            "WarmKeeper:LocalRuntime:Functions:orders:Versions:1 'x' is not a version number (1, 2, …).",
            "WarmKeeper:LocalRuntime:Functions:orders:Aliases:live points to version 7, which is not published.",
            "WarmKeeper:LocalRuntime:Functions:proc:Command is required for a Process function.",
            "WarmKeeper:LocalRuntime:Functions:bad name! is not a valid function name (1 to 64 letters, digits, hyphens or underscores).",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), errors.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("http://0.0.0.0:9001", true)]
    [InlineData("http://10.1.2.3:9001", true)]
    [InlineData("http://127.0.0.1:9001", false)]
    [InlineData("http://localhost:9001", false)]
    [InlineData("http://[::1]:9001", false)]
    public void A_non_loopback_listener_needs_credentials(string url, bool refused)
    {
        var options = new LocalRuntimeOptions { Url = url };
        var errors = LocalRuntimeOptionsValidator.Validate(options, "WarmKeeper:LocalRuntime");
        Assert.Equal(refused, errors.Any(e => e.StartsWith("WarmKeeper:LocalRuntime:Url binds a non-loopback address without credentials: set WarmKeeper:LocalRuntime:Credentials:AccessKeyId", StringComparison.Ordinal)));

        options.Enabled = false;
        Assert.Empty(LocalRuntimeOptionsValidator.Validate(options, "WarmKeeper:LocalRuntime"));

        options.Enabled = true;
        options.Credentials = new LocalRuntimeCredentials { AccessKeyId = "AKID", SecretAccessKey = "secret" };
        Assert.Empty(LocalRuntimeOptionsValidator.Validate(options, "WarmKeeper:LocalRuntime"));
    }

    [Fact]
    public void The_shipped_defaults_are_valid()
    {
        Assert.Empty(LocalRuntimeOptionsValidator.Validate(TestRuntime.Options(), "WarmKeeper:LocalRuntime"));
        Assert.Empty(LocalRuntimeOptionsValidator.Validate(new LocalRuntimeOptions(), "WarmKeeper:LocalRuntime"));
    }

    [Fact]
    public async Task Starting_a_server_with_bad_options_throws_every_error_and_listens_nowhere()
    {
        var options = TestRuntime.Options(o =>
        {
            o.Functions["hello"].MemoryMb = 1;
            o.AccountConcurrency = 0;
        });
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => LocalRuntimeServer.StartAsync(options));
        Assert.Contains("WarmKeeper:LocalRuntime:Functions:hello:MemoryMb must be between 128 and 10240.", ex.Failures);
        Assert.Contains("WarmKeeper:LocalRuntime:AccountConcurrency must be at least 1.", ex.Failures);
    }

    private static IHost BuildHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLocalRuntime(builder.Configuration);
        return builder.Build();
    }

    [Fact]
    public async Task AddLocalRuntime_validates_at_start_listing_every_error()
    {
        using var host = BuildHost(new()
        {
            ["WarmKeeper:LocalRuntime:Url"] = "not a url",
            ["WarmKeeper:LocalRuntime:Functions:orders:MemoryMb"] = "20000",
            ["WarmKeeper:LocalRuntime:Functions:orders:Versions:0"] = "1",
            ["WarmKeeper:LocalRuntime:Functions:orders:Aliases:live"] = "7",
        });
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("WarmKeeper:LocalRuntime:Url is not an absolute http URL.", ex.Failures);
        Assert.Contains("WarmKeeper:LocalRuntime:Functions:orders:MemoryMb must be between 128 and 10240.", ex.Failures);
        Assert.Contains("WarmKeeper:LocalRuntime:Functions:orders:Aliases:live points to version 7, which is not published.", ex.Failures);
    }

    [Fact]
    public async Task AddLocalRuntime_serves_configured_functions_and_exposes_the_engine()
    {
        using var host = BuildHost(new()
        {
            ["WarmKeeper:LocalRuntime:Url"] = "http://127.0.0.1:0",
            ["WarmKeeper:LocalRuntime:Functions:orders:Handler"] = "Work",
            ["WarmKeeper:LocalRuntime:Functions:orders:WorkDuration"] = "00:00:00.010",
            ["WarmKeeper:LocalRuntime:Functions:orders:Timeout"] = "00:00:05",
            ["WarmKeeper:LocalRuntime:Functions:orders:Versions:0"] = "1",
            ["WarmKeeper:LocalRuntime:Functions:orders:Aliases:live"] = "1",
        });
        await host.StartAsync();
        try
        {
            var runtime = host.Services.GetRequiredService<LocalRuntimeHost>();
            Assert.NotNull(runtime.BaseAddress);
            Assert.Same(runtime.Engine, host.Services.GetRequiredService<LocalLambdaEngine>());
            using var http = new HttpClient { BaseAddress = runtime.BaseAddress };
            using var response = await http.PostAsync("/2015-03-31/functions/orders/invocations?Qualifier=live", new StringContent("{}"));
            Assert.Equal(200, (int)response.StatusCode);
            Assert.Equal("1", HttpAssert.Header(response, "X-Amz-Executed-Version"));
            var config = runtime.Engine.GetFunctionSnapshot("orders");
            Assert.Equal(TimeSpan.FromSeconds(5), config.Timeout);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task AddLocalRuntime_disabled_does_not_listen()
    {
        using var host = BuildHost(new() { ["WarmKeeper:LocalRuntime:Enabled"] = "false" });
        await host.StartAsync();
        Assert.Null(host.Services.GetRequiredService<LocalRuntimeHost>().BaseAddress);
        await host.StopAsync();
    }
}
