using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using WarmKeeper.Agent.Security;

namespace WarmKeeper.Agent.Tests.Security;

/// <summary>Wrong keys are limited per client address on the agent's clock (a fake one here), and logged in aggregate.</summary>
public sealed class AuthenticationFailureLimiterTests
{
    private static readonly Uri Policies = new("/api/v1/warmup-policies", UriKind.Relative);

    [Fact]
    public async Task Beyond_the_allowance_wrong_keys_get_429_with_retry_after_and_correct_keys_still_pass()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        await using var agent = await AgentHost.StartAsync(null, clock,
            $"--WarmKeeper:Api:Keys:ops:Hash={ApiKeyHashing.Hash("ops-secret")}",
            "--WarmKeeper:Api:Keys:ops:Scopes:0=read",
            "--WarmKeeper:Api:FailedAuthentication:Burst=3",
            "--WarmKeeper:Api:FailedAuthentication:PerMinute=6");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await Send(agent, "guess-" + i)).StatusCode);
        }

        using var refused = await Send(agent, "guess-3");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        // Six a minute: the next failure is allowed ten seconds on.
        Assert.Equal(TimeSpan.FromSeconds(10), refused.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, (await Send(agent, "ops-secret")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Send(agent, "guess-4")).StatusCode);

        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(agent, "guess-5")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Send(agent, "guess-6")).StatusCode);
    }

    [Fact]
    public void Failures_are_logged_once_per_address_per_interval_with_their_count()
    {
        var clock = new FakeTimeProvider();
        var log = new RecordingLogger();
        using var limiter = new AuthenticationFailureLimiter(
            Options.Create(new ApiSecurityOptions { FailedAuthentication = { Burst = 2, PerMinute = 1, LogInterval = TimeSpan.FromMinutes(1) } }), clock, log);
        var attacker = IPAddress.Parse("203.0.113.7");

        var verdicts = Enumerable.Range(0, 300).Select(_ => limiter.RecordFailure(attacker)).ToList();
        limiter.RecordFailure(IPAddress.Parse("2001:db8::1"));
        limiter.RecordFailure(IPAddress.Parse("2001:db8::2"));
        Assert.Empty(log.Lines);

        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(2, verdicts.Count(v => v is null));
        Assert.Equal(2, log.Lines.Count);
        Assert.Contains(log.Lines, l => l.Contains("300 failed authentications from 203.0.113.7", StringComparison.Ordinal)
                                        && l.Contains("298 of them answered 429", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.StartsWith("2 failed authentications from 2001:db8::/64", StringComparison.Ordinal));

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(2, log.Lines.Count);
    }

    private static Task<HttpResponseMessage> Send(AgentHost agent, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, Policies);
        request.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, key);
        return agent.Client.SendAsync(request);
    }

    private sealed class RecordingLogger : ILogger<AuthenticationFailureLimiter>
    {
        public ConcurrentQueue<string> Queue { get; } = new();

        public IReadOnlyList<string> Lines => [.. Queue];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Queue.Enqueue(formatter(state, exception));
    }
}
