using CsCheck;
using Xunit.Abstractions;

namespace WarmKeeper.Agent.Tests.Api;

/// <summary>
/// The search for the next 500 kept in the suite: requests generated from the agent's own OpenAPI
/// document, sent to a real agent. Bounded for CI; <c>dotnet run -c Release --project
/// tests/WarmKeeper.Benchmarks -- fuzz</c> runs longer. A failure prints CsCheck's seed: set
/// WARMKEEPER_FUZZ_SEED to it to replay the same requests.
/// </summary>
public sealed class ApiFuzzTests(ITestOutputHelper output)
{
    private const int Requests = 400;

    [Fact]
    public async Task Every_operation_answers_as_documented_and_a_refusal_changes_nothing()
    {
        await using var agent = await AgentHost.StartAsync();
        var fuzzer = await ApiFuzzer.CreateAsync(agent.Client, CancellationToken.None);
        Assert.True(fuzzer.Operations.Count >= 20, $"only {fuzzer.Operations.Count} operations in the document");
        var sent = 0;
        await fuzzer.Requests().SampleAsync(
            async request =>
            {
                Interlocked.Increment(ref sent);
                var (status, problems) = await fuzzer.SendAsync(request, CancellationToken.None);
                Assert.True(problems.Count == 0, $"{request} → {status}: {string.Join(" | ", problems)}");
            },
            writeLine: output.WriteLine,
            seed: Environment.GetEnvironmentVariable("WARMKEEPER_FUZZ_SEED") is { Length: > 0 } seed ? seed : null,
            iter: Requests,
            threads: 1);
        output.WriteLine($"{sent} requests fuzzed over {fuzzer.Operations.Count} operations.");
    }
}
