using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using WarmKeeper.Testing;

namespace WarmKeeper.Lambda.Tests.DependencyInjection;

public sealed class DependencyInjectionTests
{
    [Fact]
    public async Task Targets_bound_from_configuration_are_resolved_by_name_and_call_through_the_http_client_factory()
    {
        await using var server = await LoopbackServer.StartAsync((context, _) => LambdaAnswers.Json(context, 200, LambdaAnswers.AccountSettings));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Targets:local:Region"] = "us-east-1",
            ["Targets:local:ServiceUrl"] = server.BaseAddress.ToString(),
            ["Targets:local:AccessKeyId"] = TestTargets.AccessKeyId,
            ["Targets:local:SecretAccessKey"] = TestTargets.SecretAccessKey,
            ["Targets:local:RequestTimeout"] = "00:00:05",
            ["Targets:prod:Region"] = "eu-west-1",
            ["Targets:prod:Profile"] = "does-not-matter-until-first-call",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddLambdaControlPlane("local", configuration.GetSection("Targets:local"));
        services.AddLambdaControlPlane("prod", configuration.GetSection("Targets:prod"));
        await using var provider = services.BuildServiceProvider();

        var targets = provider.GetRequiredService<ILambdaControlPlanes>();
        var local = provider.GetRequiredKeyedService<ILambdaControlPlane>("local");
        var settings = await local.GetAccountSettingsAsync(CancellationToken.None);

        Assert.Equal(["local", "prod"], targets.TargetNames);
        Assert.Same(local, targets.Get("local"));
        Assert.Equal("prod", targets.Get("prod").TargetName);
        Assert.Equal(1000, settings.AccountLimit.ConcurrentExecutions);
        Assert.Contains("AWS4-HMAC-SHA256 Credential=" + TestTargets.AccessKeyId, Assert.Single(server.Requests).Headers["Authorization"], StringComparison.Ordinal);
        Assert.Throws<KeyNotFoundException>(() => targets.Get("staging"));
    }

    [Fact]
    public async Task Invalid_target_options_stop_the_host_at_start_listing_every_problem()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLambdaControlPlane("broken", o =>
        {
            o.Region = "nowhere";
            o.AccessKeyId = "only-half";
            o.MaxRetries = 99;
        });
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(error.Failures, f => f.Contains("'broken': Region", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("'broken': SecretAccessKey", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("'broken': MaxRetries", StringComparison.Ordinal));
    }
}
