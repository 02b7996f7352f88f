using Xunit.Abstractions;

namespace WarmKeeper.Agent.Tests.Persistence;

/// <summary>
/// Settings survive a restart, even one nobody planned: the real agent, SIGKILLed three times during about 170
/// writes (the longer run is <c>dotnet run -c Release --project tests/WarmKeeper.Benchmarks -- crash</c>).
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Writes_acknowledged_before_a_kill_9_are_all_there_after_restart_and_schedules_are_rebuilt()
    {
        var data = Directory.CreateTempSubdirectory("warmkeeper-crash-").FullName;
        try
        {
            using var log = new StringWriter();
            var report = await new CrashRecovery(data, seed: 12, log).RunAsync(writes: 160, kills: 3, CancellationToken.None);
            output.WriteLine(log.ToString());
            output.WriteLine(report.ToString());

            Assert.Empty(report.Problems);
            Assert.Equal(0, report.Lost);
            Assert.Equal(3, report.Kills);
            // Every write was answered 2xx unless a kill cut it off, so the checks had something to hold.
            Assert.True(report.Writes >= 160, $"{report.Writes} writes");
            Assert.Equal(report.Writes, report.Acknowledged + report.Unanswered);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
