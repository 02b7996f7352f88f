using System.Net;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Simmy;

namespace WarmKeeper.Agent.Targets;

/// <summary>
/// Section <c>WarmKeeper:FaultInjection</c>, the agent's one chaos switch for game days and tests. A
/// share of the agent's calls to targets fail (a 503 ServiceException, or a dropped connection), so one
/// can see that the agent still converges and breaks no invariant; with <see cref="IncludeProxy"/>, the
/// calls the invoke proxy forwards fail too, so one can watch its circuit breaker. Off unless a rate is set.
/// </summary>
public sealed class FaultInjectionOptions
{
    public const string SectionName = "WarmKeeper:FaultInjection";

    /// <summary>Share of calls that fail, 0 to 1.</summary>
    public double FailureRate { get; set; }

    /// <summary>The agent's own invocations (warm-up pings) too (off by default: chaos for the control plane only).</summary>
    public bool IncludeInvoke { get; set; }

    /// <summary>Calls the invoke proxy forwards too, failed as broken connections in front of the target.</summary>
    public bool IncludeProxy { get; set; }

    public bool Enabled => FailureRate > 0;
}

internal sealed class FaultInjectionOptionsValidator : IValidateOptions<FaultInjectionOptions>
{
    public ValidateOptionsResult Validate(string? name, FaultInjectionOptions options) =>
        options.FailureRate is >= 0 and <= 1
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{FaultInjectionOptions.SectionName}:FailureRate must be between 0 and 1.");
}

/// <summary>Fails a share of requests with Polly's chaos strategies before they leave the process.</summary>
internal sealed class FaultInjectionHandler : DelegatingHandler
{
    private readonly ResiliencePipeline<HttpResponseMessage> _chaos;
    private readonly bool _includeInvoke;
    private readonly bool _enabled;

    /// <summary>For a handler the caller owns (the local target).</summary>
    public FaultInjectionHandler(FaultInjectionOptions options, HttpMessageHandler inner) : this(options) => InnerHandler = inner;

    /// <summary>For an IHttpClientFactory pipeline, which sets the inner handler; a pass-through when off.</summary>
    public FaultInjectionHandler(FaultInjectionOptions options)
    {
        _enabled = options.Enabled;
        _includeInvoke = options.IncludeInvoke;
        // Half the injected failures are 503s the service answered, half connections that broke;
        // each strategy's rate is set so that together they fail FailureRate of the calls.
        var each = 1 - Math.Sqrt(1 - options.FailureRate);
        _chaos = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddChaosOutcome(each, () => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
            {
                Content = new StringContent("""{"Type":"Service","Message":"Injected fault (WarmKeeper:FaultInjection)."}""", System.Text.Encoding.UTF8, "application/json"),
                Headers = { { "x-amzn-ErrorType", "ServiceException" } },
            })
            .AddChaosFault(each, () => new HttpRequestException("Injected connection failure (WarmKeeper:FaultInjection)."))
            .Build();
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!_enabled || (!_includeInvoke && request.RequestUri?.AbsolutePath.EndsWith("/invocations", StringComparison.Ordinal) == true))
        {
            return await base.SendAsync(request, cancellationToken);
        }

        return await _chaos.ExecuteAsync(async ct => await base.SendAsync(request, ct), cancellationToken);
    }
}
