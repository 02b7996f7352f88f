using WarmKeeper.Testing;

namespace WarmKeeper.Benchmarks;

/// <summary>
/// The kill -9 test (CrashRecoveryTests) at length: more writes and more SIGKILLs of the real agent, for the README's
/// "writes acknowledged and lost across kills" line.
/// </summary>
internal static class CrashBenchmark
{
    public static async Task RunAsync(CancellationToken cancellationToken)
    {
        const int writes = 600;
        const int kills = 6;
        const int seed = 2025;
        var data = Directory.CreateTempSubdirectory("warmkeeper-crash-bench-").FullName;
        try
        {
            using var log = new StringWriter();
            var report = await new CrashRecovery(data, seed, log).RunAsync(writes, kills, cancellationToken);
            await Console.Out.WriteLineAsync(log.ToString());
            await Console.Out.WriteLineAsync("| seed | writes | acknowledged | kills | unanswered at a kill | of those applied | acknowledged lost | problems |");
            await Console.Out.WriteLineAsync("|---:|---:|---:|---:|---:|---:|---:|---:|");
            await Console.Out.WriteLineAsync($"| {seed} | {report.Writes} | {report.Acknowledged} | {report.Kills} | {report.Unanswered} | {report.InFlightApplied} | {report.Lost} | {report.Problems.Count} |");
            foreach (var problem in report.Problems)
            {
                await Console.Out.WriteLineAsync($"- {problem}");
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }
}
