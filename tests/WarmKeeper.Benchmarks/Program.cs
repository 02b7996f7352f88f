namespace WarmKeeper.Benchmarks;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        var suite = args.Length > 0 ? args[0] : null;
        switch (suite)
        {
            case "proxy":
                return await ProxyBenchmark.RunAsync(args[1..], CancellationToken.None);
            default:
                await Console.Out.WriteLineAsync("suites: proxy");
                return args.Length == 0 ? 0 : 1;
        }
    }
}
