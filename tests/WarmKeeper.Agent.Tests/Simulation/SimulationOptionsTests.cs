using WarmKeeper.Agent.Hosting;

namespace WarmKeeper.Agent.Tests.Simulation;

public sealed class SimulationOptionsTests
{
    [Fact]
    public void Every_bad_simulation_limit_is_named_at_start()
    {
        var data = Directory.CreateTempSubdirectory("warmkeeper-simulation-options-").FullName;
        try
        {
            var problems = Assert.Throws<ConfigurationProblemsException>(() => AgentApplication.Build(
            [
                "--urls=http://127.0.0.1:0",
                $"--WarmKeeper:DataDirectory={data}",
                "--WarmKeeper:Simulations:MaxConcurrent=0",
                "--WarmKeeper:Simulations:MaxBodyBytes=10",
                "--WarmKeeper:Simulations:MaxFunctions=-1",
                "--WarmKeeper:Simulations:MaxInvocations=0",
                "--WarmKeeper:Simulations:RetryAfter=00:00:00",
            ])).Problems;

            foreach (var key in new[] { "MaxConcurrent", "MaxBodyBytes", "MaxFunctions", "MaxInvocations", "RetryAfter" })
            {
                Assert.Contains(problems, p => p.StartsWith($"WarmKeeper:Simulations:{key} ", StringComparison.Ordinal));
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
