using System.Net;
using WarmKeeper.LocalRuntime.Hosting;
using WarmKeeper.Testing;

namespace WarmKeeper.LocalRuntime.Tests.Functions.Process;

/// <summary>
/// lambda-warmer (npm) inside an unmodified Node function: its own fan-out goes through the AWS SDK
/// the function carries, which must find the local runtime with nothing configured by hand.
/// </summary>
public sealed class LambdaWarmerTests
{
    [SkippableFact]
    public async Task The_librarys_own_fan_out_reaches_the_local_runtime_and_warms_three_environments()
    {
        NodeFunctions.Require();
        var observer = new RecordingObserver();
        await using var runtime = await TestRuntime.StartAsync(
            options =>
            {
                options.Functions.Clear();
                options.Functions["warmer-fn"] = NodeFunctions.Options("warmer.handler");
            },
            new LocalRuntimeServerDependencies { ProcessFunctions = ProcessTestFunction.Factory(), Observers = [observer] });

        // As a user of the library invokes it (its README's event).
        using var response = await runtime.InvokeAsync("warmer-fn", """{"warmer":true,"concurrency":3}""");
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Null(HttpAssert.OptionalHeader(response, "X-Amz-Function-Error"));
        Assert.Equal("\"warmed\"", body);
        var invocations = await observer.WaitForAsync(i => i.FunctionName == "warmer-fn" && !i.Throttled, 3, TimeSpan.FromSeconds(30));
        Assert.Equal(3, invocations.Count);
        Assert.All(invocations, i => Assert.Null(i.FunctionError));
        Assert.Equal(3, invocations.Select(i => i.EnvironmentId).Distinct().Count());
        // The processes the runtime started: one per environment, all three still there.
        var environments = runtime.Engine.GetFunctionSnapshot("warmer-fn").Environments;
        Assert.Equal(3, environments.Count);
        Assert.Equal(3, invocations.Count(i => i.Start == Core.Observations.InvocationStart.Cold));
    }
}
