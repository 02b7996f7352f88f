using WarmKeeper.Agent.Hosting;

namespace WarmKeeper.Agent.Tests.Protection;

public sealed class ProxyConfigurationTests
{
    [Fact]
    public async Task An_open_proxy_without_credentials_and_bad_proxy_settings_refuse_to_start_naming_each_key()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await AgentCommandLine.RunAsync(
            [
                "--urls=http://127.0.0.1:0",
                "--WarmKeeper:LocalRuntime:Url=http://127.0.0.1:0",
                "--WarmKeeper:Proxy:Url=http://0.0.0.0:0",
                "--WarmKeeper:Proxy:Redis:Instances=0",
                "--WarmKeeper:Proxy:Resilience:FailureRatio=2",
                "--WarmKeeper:FaultInjection:FailureRate=-1",
                "--WarmKeeper:Proxy:Credentials:AccessKeyId=only-half",
            ],
            stdout, stderr, TestContext.Cancellation);

        var text = stderr.ToString();
        Assert.Equal(AgentCommandLine.InvalidConfigurationExitCode, exit);
        Assert.Contains("WarmKeeper:Proxy:Url", text, StringComparison.Ordinal);
        Assert.Contains("WarmKeeper:Proxy:Redis:Instances", text, StringComparison.Ordinal);
        Assert.Contains("WarmKeeper:Proxy:Resilience:FailureRatio", text, StringComparison.Ordinal);
        Assert.Contains("WarmKeeper:FaultInjection:FailureRate", text, StringComparison.Ordinal);
        Assert.Contains("WarmKeeper:Proxy:Credentials", text, StringComparison.Ordinal);
    }
}
