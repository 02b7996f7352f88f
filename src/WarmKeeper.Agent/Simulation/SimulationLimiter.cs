using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using WarmKeeper.Core.Simulation;

namespace WarmKeeper.Agent.Simulation;

/// <summary>How a simulation ended.</summary>
public enum SimulationOutcome
{
    /// <summary>Every run finished and the answer was written.</summary>
    Completed,

    /// <summary>Its caller disconnected; the remaining runs were not started and the running ones stopped.</summary>
    Cancelled,
}

/// <summary>A simulation finished a run.</summary>
public sealed class SimulationProgressEventArgs(SimulationProgress progress, CancellationToken aborted) : EventArgs
{
    /// <summary>Runs completed so far, of how many.</summary>
    public SimulationProgress Progress { get; } = progress;

    /// <summary>Fires when the caller disconnects.</summary>
    public CancellationToken Aborted { get; } = aborted;
}

/// <summary>A simulation ended.</summary>
public sealed class SimulationEndedEventArgs(SimulationOutcome outcome, int completedRuns, int totalRuns) : EventArgs
{
    /// <summary>How it ended.</summary>
    public SimulationOutcome Outcome { get; } = outcome;

    /// <summary>Runs it finished.</summary>
    public int CompletedRuns { get; } = completedRuns;

    /// <summary>Runs it was asked for.</summary>
    public int TotalRuns { get; } = totalRuns;
}

/// <summary>
/// Bounds the work <c>POST /api/v1/simulations</c> may take (see <see cref="SimulationOptions"/>): admits at most
/// MaxConcurrent simulations at once without queueing, reads a body only up to its limit, and reports each
/// simulation's progress and end, so the log says what was cut short and tests can watch it happen.
/// </summary>
internal sealed partial class SimulationLimiter(IOptions<SimulationOptions> options, ILogger<SimulationLimiter> logger) : IDisposable
{
    private readonly ConcurrencyLimiter _limiter = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.Value.MaxConcurrent,
        // No queue: a waiting request still holds its connection and its body; the caller is told when to retry.
        QueueLimit = 0,
    });

    public SimulationOptions Options { get; } = options.Value;

    /// <summary>A simulation finished one of its runs (raised on the thread that ran it).</summary>
    public event EventHandler<SimulationProgressEventArgs>? Progressed;

    /// <summary>A simulation ended.</summary>
    public event EventHandler<SimulationEndedEventArgs>? Ended;

    /// <summary>A permit to simulate, or a lease that says no (<see cref="RateLimitLease.IsAcquired"/> false).</summary>
    public RateLimitLease TryEnter() => _limiter.AttemptAcquire();

    /// <summary>429 with Retry-After: every permit is taken.</summary>
    public ProblemHttpResult Busy(HttpResponse response)
    {
        response.Headers.RetryAfter = Options.RetryAfterSeconds;
        LogBusy(Options.MaxConcurrent);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many simulations are running.",
            detail: $"At most {Options.MaxConcurrent} simulation(s) run at once ({SimulationOptions.SectionName}:MaxConcurrent); retry after {Options.RetryAfterSeconds} s.",
            extensions: new Dictionary<string, object?> { ["limit"] = $"{SimulationOptions.SectionName}:MaxConcurrent" });
    }

    /// <summary>413 naming the field and the configuration key of the limit it went past.</summary>
    public static ProblemHttpResult TooLarge(string field, string limitKey, string detail) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status413PayloadTooLarge,
            title: "The simulation is larger than this agent accepts.",
            detail: $"{detail} The limit is {SimulationOptions.SectionName}:{limitKey}.",
            extensions: new Dictionary<string, object?>
            {
                ["limit"] = $"{SimulationOptions.SectionName}:{limitKey}",
                ["errors"] = new Dictionary<string, string[]> { [field] = [detail] },
            });

    /// <summary>The body, or null when it is longer than MaxBodyBytes (told by Content-Length, or found while reading).</summary>
    public async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var limit = Options.MaxBodyBytes;
        if (request.ContentLength > limit)
        {
            return null;
        }

        // This endpoint counts for itself, so the server's own (30 MB) limit neither cuts below ours nor answers 500.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81_920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>413 when the trace has more functions or invocations than allowed; null when it fits.</summary>
    public ProblemHttpResult? CheckSize(DemandTrace trace, string field)
    {
        if (trace.Functions.Count > Options.MaxFunctions)
        {
            return TooLarge(field, nameof(SimulationOptions.MaxFunctions),
                $"The trace has {trace.Functions.Count.ToString("N0", CultureInfo.InvariantCulture)} functions; at most {Options.MaxFunctions.ToString("N0", CultureInfo.InvariantCulture)} are simulated.");
        }

        if (trace.InvocationCount > Options.MaxInvocations)
        {
            return TooLarge(field, nameof(SimulationOptions.MaxInvocations),
                $"The trace has {trace.InvocationCount.ToString("N0", CultureInfo.InvariantCulture)} invocations; at most {Options.MaxInvocations.ToString("N0", CultureInfo.InvariantCulture)} are simulated.");
        }

        return null;
    }

    /// <summary>Runs the simulation, reporting progress; a disconnect of the caller (<paramref name="aborted"/>) stops it.</summary>
    public async Task<IReadOnlyList<SimulationResult>> RunAsync(IReadOnlyList<SimulationRunRequest> runs, CancellationToken aborted)
    {
        var completed = 0;
        var progress = new SynchronousProgress(p =>
        {
            Interlocked.Increment(ref completed);
            Progressed?.Invoke(this, new SimulationProgressEventArgs(p, aborted));
        });
        try
        {
            // Half the cores at most per simulation, so one simulation never starves the agent's real work.
            var results = await new SimulationRunner(Math.Max(1, Environment.ProcessorCount / 2)).RunAsync(runs, progress, aborted);
            Ended?.Invoke(this, new SimulationEndedEventArgs(SimulationOutcome.Completed, runs.Count, runs.Count));
            return results;
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            var done = Volatile.Read(ref completed);
            LogCancelled(done, runs.Count);
            Ended?.Invoke(this, new SimulationEndedEventArgs(SimulationOutcome.Cancelled, done, runs.Count));
            throw;
        }
    }

    public void Dispose() => _limiter.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "A simulation was stopped after {Completed} of {Total} runs: its caller disconnected")]
    private partial void LogCancelled(int completed, int total);

    // Debug: a caller retrying in a loop must not fill the log.
    [LoggerMessage(Level = LogLevel.Debug, Message = "A simulation was refused: {MaxConcurrent} already running")]
    private partial void LogBusy(int maxConcurrent);

    /// <summary>Reports on the caller's thread: <see cref="Progress{T}"/> would post to the thread pool, after the run went on.</summary>
    private sealed class SynchronousProgress(Action<SimulationProgress> report) : IProgress<SimulationProgress>
    {
        public void Report(SimulationProgress value) => report(value);
    }
}
