namespace WarmKeeper.Benchmarks;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        await Console.Out.WriteLineAsync("suites: (filled in as features land)");
        return args.Length == 0 ? 0 : 1;
    }
}
