using CsCheck;
using Microsoft.Extensions.Time.Testing;
using WarmKeeper.Core.Demand;
using WarmKeeper.Core.Observations;

namespace WarmKeeper.Core.Tests.Demand;

/// <summary>
/// The recorder keeps smaller seconds and lets a function's whole share its one qualifier's series;
/// every key must still read what the reference recorder reads, over random invocations (several
/// qualifiers, late and out-of-ring ones, throttles), CloudWatch aggregates for any key, and time.
/// </summary>
public sealed class DemandRecorderPropertyTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
    private static readonly string[] Functions = ["f0", "f1"];

    /// <summary>null: no qualifier, the executed version counts.</summary>
    private static readonly string?[] Qualifiers = ["live", "1", null, DemandKey.AnyQualifier];

    private abstract record Op;

    private sealed record Invoke(int Function, int Qualifier, int AgoMs, int InitMs, int RunMs, bool Cold, bool Throttled, int InFlight) : Op;

    private sealed record Aggregate(int Function, int Qualifier, int AgoSeconds, int Seconds, int MaxConcurrency, int Arrivals, int Throttles) : Op;

    private sealed record Advance(int Milliseconds) : Op;

    private static readonly Gen<Op> GenOp = Gen.Frequency(
        (8, from f in Gen.Int[0, 1]
            from q in Gen.Int[0, 2]
            from ago in Gen.Frequency((6, Gen.Int[0, 3_000]), (1, Gen.Int[0, 400_000]))
            from init in Gen.Frequency((3, Gen.Const(0)), (1, Gen.Int[0, 2_000]))
            from run in Gen.Int[0, 5_000]
            from cold in Gen.Bool
            from throttled in Gen.Frequency((9, Gen.Const(false)), (1, Gen.Const(true)))
            from inFlight in Gen.Int[0, 40]
            select (Op)new Invoke(f, q, ago, init, run, cold, throttled, inFlight)),
        (2, from f in Gen.Int[0, 1]
            from q in Gen.Int[0, 3]
            from ago in Gen.Int[-60, 400]
            from seconds in Gen.Int[1, 120]
            from max in Gen.Int[0, 5_000]
            from arrivals in Gen.Int[0, 10_000]
            from throttles in Gen.Int[0, 100]
            select (Op)new Aggregate(f, q, ago, seconds, max, arrivals, throttles)),
        (3, Gen.Int[0, 90_000].Select(ms => (Op)new Advance(ms))));

    private static readonly Gen<(int SpanSeconds, Op[] Ops)> GenRun =
        from span in Gen.OneOf(Gen.Const(60), Gen.Const(300))
        from ops in GenOp.Array[0, 60]
        select (span, ops);

    /// <summary>Every key either recorder knows, and one neither does; windows around now, in the past beyond the ring, and ahead.</summary>
    private static void AssertSameReads(DemandRecorder recorder, ReferenceDemandRecorder reference, DateTimeOffset now, int spanSeconds)
    {
        Assert.Equal(reference.Keys.OrderBy(k => k.ToString()), recorder.Keys.OrderBy(k => k.ToString()));
        int[] lengths = [1, 6, 60, 299, 300, 3600, 2 * spanSeconds];
        int[] agos = [0, 1, 59, spanSeconds, spanSeconds + 30, -30];
        foreach (var key in reference.Keys.Append(new DemandKey("t", "never", "live")))
        {
            foreach (var ago in agos)
            {
                foreach (var length in lengths)
                {
                    var to = now - TimeSpan.FromSeconds(ago);
                    var from = to - TimeSpan.FromSeconds(length);
                    Assert.Equal(reference.Summarize(key, from, to), recorder.Summarize(key, from, to));
                }
            }
        }
    }

    private static void Run(int spanSeconds, Op[] ops, bool checkEachStep)
    {
        var time = new FakeTimeProvider(Start);
        var span = TimeSpan.FromSeconds(spanSeconds);
        var recorder = new DemandRecorder(time, span);
        var reference = new ReferenceDemandRecorder(time, span);
        foreach (var op in ops)
        {
            var now = time.GetUtcNow();
            switch (op)
            {
                case Invoke i:
                    var invocation = new InvocationObserved
                    {
                        Source = "t",
                        RequestId = "r",
                        FunctionName = Functions[i.Function],
                        Qualifier = Qualifiers[i.Qualifier],
                        ExecutedVersion = Qualifiers[i.Qualifier] is null ? "3" : null,
                        InvocationType = "RequestResponse",
                        Start = i.Cold ? InvocationStart.Cold : InvocationStart.Warm,
                        StartedAt = now - TimeSpan.FromMilliseconds(i.AgoMs),
                        InitDuration = TimeSpan.FromMilliseconds(i.InitMs),
                        RunDuration = TimeSpan.FromMilliseconds(i.RunMs),
                        Throttled = i.Throttled,
                        InFlightAtStart = i.InFlight,
                    };
                    recorder.OnInvocation(invocation);
                    reference.OnInvocation(invocation);
                    break;
                case Aggregate a:
                    var key = new DemandKey("t", Functions[a.Function], Qualifiers[a.Qualifier] ?? "3");
                    var start = now - TimeSpan.FromSeconds(a.AgoSeconds);
                    recorder.RecordAggregate(key, start, TimeSpan.FromSeconds(a.Seconds), a.MaxConcurrency, a.Arrivals, a.Throttles);
                    reference.RecordAggregate(key, start, TimeSpan.FromSeconds(a.Seconds), a.MaxConcurrency, a.Arrivals, a.Throttles);
                    break;
                case Advance advance:
                    time.Advance(TimeSpan.FromMilliseconds(advance.Milliseconds));
                    break;
            }

            if (checkEachStep)
            {
                AssertSameReads(recorder, reference, time.GetUtcNow(), spanSeconds);
            }
        }

        AssertSameReads(recorder, reference, time.GetUtcNow(), spanSeconds);
    }

    [Fact]
    public void Every_key_reads_what_the_reference_recorder_reads() =>
        GenRun.Sample(run => Run(run.SpanSeconds, run.Ops, checkEachStep: false), iter: 1_000);

    [Fact]
    public void Every_key_reads_what_the_reference_recorder_reads_after_every_step() =>
        GenRun.Sample(run => Run(run.SpanSeconds, run.Ops, checkEachStep: true), iter: 150);

    [Fact]
    public void A_function_invoked_under_one_qualifier_keeps_one_series_until_a_second_qualifier_appears()
    {
        var time = new FakeTimeProvider(Start);
        var recorder = new DemandRecorder(time, TimeSpan.FromMinutes(5));
        InvocationObserved Invocation(string qualifier) => new()
        {
            Source = "t", RequestId = "r", FunctionName = "f", Qualifier = qualifier, InvocationType = "RequestResponse",
            StartedAt = time.GetUtcNow(), RunDuration = TimeSpan.FromMilliseconds(500), InFlightAtStart = 1,
        };
        var oneSeries = recorder.ApproximateBytes;

        recorder.OnInvocation(Invocation("live"));
        var shared = recorder.ApproximateBytes;
        recorder.OnInvocation(Invocation("1"));

        Assert.Equal(0, oneSeries);
        Assert.Equal(300 * 24, shared);
        Assert.Equal(3 * shared, recorder.ApproximateBytes);
        var now = time.GetUtcNow() + TimeSpan.FromSeconds(1);
        Assert.Equal(2, recorder.Summarize(new DemandKey("t", "f", DemandKey.AnyQualifier), now - TimeSpan.FromSeconds(5), now).Arrivals);
        Assert.Equal(1, recorder.Summarize(new DemandKey("t", "f", "live"), now - TimeSpan.FromSeconds(5), now).Arrivals);
    }

    [Fact]
    public async Task Invocations_recorded_from_many_threads_while_qualifiers_appear_are_all_counted()
    {
        var time = new FakeTimeProvider(Start);
        var recorder = new DemandRecorder(time, TimeSpan.FromMinutes(5));
        const int PerThread = 20_000;
        string[] qualifiers = ["live", "1", "2", "3"];
        await Task.WhenAll(qualifiers.Select(qualifier => Task.Run(() =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                recorder.OnInvocation(new InvocationObserved
                {
                    Source = "t", RequestId = "r", FunctionName = $"f{i % 50}", Qualifier = qualifier, InvocationType = "RequestResponse",
                    StartedAt = Start, RunDuration = TimeSpan.FromMilliseconds(10), InFlightAtStart = 1,
                });
            }
        })));

        var window = (Start, Start + TimeSpan.FromSeconds(1));
        var wholes = Enumerable.Range(0, 50).Sum(f => recorder.Summarize(new DemandKey("t", $"f{f}", DemandKey.AnyQualifier), window.Start, window.Item2).Arrivals);
        var parts = qualifiers.Sum(q => Enumerable.Range(0, 50).Sum(f => recorder.Summarize(new DemandKey("t", $"f{f}", q), window.Start, window.Item2).Arrivals));
        Assert.Equal(qualifiers.Length * PerThread, wholes);
        Assert.Equal(qualifiers.Length * PerThread, parts);
    }
}
