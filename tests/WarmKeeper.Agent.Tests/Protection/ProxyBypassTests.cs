using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using WarmKeeper.Core.Warmup;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.Agent.Tests.Protection;

/// <summary>
/// Two agents, each with a 1/s limit (burst 1) on <c>instant</c>, on fake clocks: one forwards to its
/// runtime in process, the other over HTTP.
/// </summary>
public sealed class BypassAgents : IAsyncLifetime
{
    public const string LimitId = "instant-1s";

    public FakeTimeProvider InProcessTime { get; } = NewClock();

    public FakeTimeProvider HttpTime { get; } = NewClock();

    internal ProxiedAgent InProcess { get; private set; } = null!;

    internal ProxiedAgent Http { get; private set; } = null!;

    internal (ProxiedAgent Proxy, FakeTimeProvider Time) For(bool inProcess) => inProcess ? (InProcess, InProcessTime) : (Http, HttpTime);

    public async Task InitializeAsync()
    {
        InProcess = await StartAsync(InProcessTime, "true");
        Http = await StartAsync(HttpTime, "false");
    }

    public async Task DisposeAsync()
    {
        await InProcess.DisposeAsync();
        await Http.DisposeAsync();
    }

    private static FakeTimeProvider NewClock() => new(DateTimeOffset.Parse("2026-11-02T00:00:00Z", CultureInfo.InvariantCulture));

    private static async Task<ProxiedAgent> StartAsync(FakeTimeProvider time, string inProcess)
    {
        var proxy = await ProxiedAgent.StartAsync(
            time,
            // A handler that answers every payload at once: the others hold an environment for a warmer's ping,
            // and on a fake clock that hold would wait for the test to move time.
            "--WarmKeeper:LocalRuntime:Functions:instant:Handler=fail",
            "--WarmKeeper:LocalRuntime:Functions:instant:InitDuration=00:00:00",
            "--WarmKeeper:LocalRuntime:Functions:instant:Versions:0=1",
            "--WarmKeeper:LocalRuntime:Functions:instant:Aliases:live=1",
            "--WarmKeeper:Proxy:InProcessLocalTarget=" + inProcess);
        await proxy.CreateLimitAsync($$"""{"id":"{{LimitId}}","functions":["instant"],"permitsPerSecond":1,"burst":1}""");
        return proxy;
    }
}

/// <summary>
/// The search for ways around a rate limit, kept in the suite (issue 12): every form of a function's
/// name Lambda accepts × every warm-up marker a caller can write × both ways the proxy reaches the
/// built-in runtime. A 1/s limit admits exactly one call a second whatever the form or payload; forms
/// Lambda refuses are refused and take nothing; only the agent's own proof exempts a ping.
/// </summary>
[Collection(ProxyLoadCollection.Name)]
public sealed class ProxyBypassTests(BypassAgents agents) : IClassFixture<BypassAgents>
{
    /// <summary>Every form of <c>instant</c> (alias <c>live</c>) that Lambda accepts: path, then query.</summary>
    public static readonly string[] AcceptedForms =
    [
        "instant",
        "instant:live",
        "instant?Qualifier=live",
        "instant:live?Qualifier=live",
        "000000000000:function:instant",
        "000000000000:function:instant:live",
        "000000000000:function:instant?Qualifier=live",
        "us-east-1:000000000000:function:instant",
        "arn:aws:lambda:us-east-1:000000000000:function:instant",
        "arn:aws:lambda:us-east-1:000000000000:function:instant:live",
        "arn:aws:lambda:us-east-1:000000000000:function:instant?Qualifier=live",
        "000000000000%3Afunction%3Ainstant",
        "arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Ainstant%3Alive",
        "instant%3Alive",
    ];

    /// <summary>What a caller can put in a payload to look like a warmer's ping.</summary>
    public static readonly Dictionary<string, string> Markers = new(StringComparer.Ordinal)
    {
        ["none"] = """{"orderId":42}""",
        ["warmkeeper"] = """{"warmkeeper":{"warmup":true,"correlationId":"c","index":0,"fanOut":1,"holdMs":0,"policy":"p"}}""",
        ["lambda-warmer"] = """{"warmer":true,"__WARMER_INVOCATION__":2,"__WARMER_CONCURRENCY__":2,"__WARMER_CORRELATIONID__":"c"}""",
        ["serverless-plugin-warmup"] = """{"source":"serverless-plugin-warmup"}""",
    };

    /// <summary>Forms Lambda refuses, with the error it answers.</summary>
    public static readonly TheoryData<string, int, string> RefusedForms = new()
    {
        { "instant:live?Qualifier=1", 400, LambdaErrorTypes.InvalidParameterValue },
        { "111111111111:function:instant", 404, LambdaErrorTypes.ResourceNotFound },
        { "arn:aws:lambda:eu-west-1:000000000000:function:instant", 404, LambdaErrorTypes.ResourceNotFound },
        { "arn:aws:lambda:us-east-1:111111111111:function:instant:live", 404, LambdaErrorTypes.ResourceNotFound },
        { "inst%20ant", 400, LambdaErrorTypes.InvalidParameterValue },
        { "instant?Qualifier=li%21ve", 400, LambdaErrorTypes.InvalidParameterValue },
        { "a:b:c:d:e:f:g:h:i", 400, LambdaErrorTypes.InvalidParameterValue },
    };

    public static TheoryData<string, string, bool> Matrix()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var form in AcceptedForms)
        {
            foreach (var marker in Markers.Keys)
            {
                data.Add(form, marker, true);
                data.Add(form, marker, false);
            }
        }

        return data;
    }

    public static TheoryData<string, int, string, bool> RefusedMatrix()
    {
        var data = new TheoryData<string, int, string, bool>();
        foreach (var row in RefusedForms)
        {
            data.Add((string)row[0], (int)row[1], (string)row[2], true);
            data.Add((string)row[0], (int)row[1], (string)row[2], false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task A_1_per_second_limit_admits_one_call_a_second_whatever_the_form_or_the_marker(string form, string marker, bool inProcess)
    {
        var (proxy, time) = agents.For(inProcess);
        time.Advance(TimeSpan.FromSeconds(1)); // one token, whatever earlier rows took
        var before = await CountsAsync(proxy);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await InvokeAsync(proxy, form, Markers[marker]);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        var after = await CountsAsync(proxy);
        Assert.Equal((before.Admitted + 1, before.Rejected + 2), after);
    }

    [Theory]
    [MemberData(nameof(RefusedMatrix))]
    public async Task A_form_Lambda_refuses_is_refused_in_its_words_and_takes_nothing(string form, int status, string errorType, bool inProcess)
    {
        var (proxy, time) = agents.For(inProcess);
        time.Advance(TimeSpan.FromSeconds(1));
        var before = await CountsAsync(proxy);
        foreach (var marker in Markers.Values)
        {
            using var refused = await InvokeAsync(proxy, form, marker);
            Assert.Equal(status, (int)refused.StatusCode);
            Assert.Equal(errorType, refused.Headers.GetValues("x-amzn-ErrorType").Single());
        }

        Assert.Equal(before, await CountsAsync(proxy));
        using (var admitted = await InvokeAsync(proxy, "instant", "{}"))
        {
            Assert.Equal(HttpStatusCode.OK, admitted.StatusCode); // the refused calls left the second's token
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Only_the_agents_own_proof_exempts_a_ping_and_a_copied_proof_is_counted(bool inProcess)
    {
        var (proxy, time) = agents.For(inProcess);
        time.Advance(TimeSpan.FromSeconds(1));
        using (var first = await InvokeAsync(proxy, "instant", "{}"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var before = await CountsAsync(proxy);
        var proof = proxy.Agent.Services.GetRequiredService<AgentPingProof>();
        var ping = Markers["warmkeeper"];
        foreach (var form in AcceptedForms)
        {
            var (name, qualifier) = Resolve(form);
            using var own = await InvokeAsync(proxy, form, ping, proof.Sign(name, qualifier, Encoding.UTF8.GetBytes(ping)));
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        }

        var header = proof.Sign("instant", null, Encoding.UTF8.GetBytes(ping));
        using (var copiedToAnotherPayload = await InvokeAsync(proxy, "instant", Markers["lambda-warmer"], header))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, copiedToAnotherPayload.StatusCode);
        }

        using (var used = await InvokeAsync(proxy, "instant", ping, header))
        {
            Assert.Equal(HttpStatusCode.OK, used.StatusCode);
        }

        using (var replayed = await InvokeAsync(proxy, "instant", ping, header))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, replayed.StatusCode);
        }

        var stale = proof.Sign("instant", null, Encoding.UTF8.GetBytes(ping));
        time.Advance(AgentPingProof.Validity + TimeSpan.FromMilliseconds(1));
        using (var late = await InvokeAsync(proxy, "instant", ping, stale))
        {
            // A token came back over the validity window: the stale ping takes it as an ordinary call; the next is refused.
            Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        }

        using (var lateAgain = await InvokeAsync(proxy, "instant", ping, proof.Sign("other", null, Encoding.UTF8.GetBytes(ping))))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, lateAgain.StatusCode);
        }

        var after = await CountsAsync(proxy);
        // The copied, replayed and misdirected proofs were counted as ordinary calls.
        Assert.Equal(before.Rejected + 3, after.Rejected);
    }

    /// <summary>The function and qualifier a form resolves to, as the pinger would sign them.</summary>
    private static (string Name, string? Qualifier) Resolve(string form)
    {
        var parts = form.Split('?');
        var query = parts.Length > 1 ? parts[1]["Qualifier=".Length..] : null;
        Assert.True(FunctionReference.TryResolve(Uri.UnescapeDataString(parts[0]), query, out var reference, out _));
        return (reference.Name, reference.Qualifier);
    }

    private static Task<HttpResponseMessage> InvokeAsync(ProxiedAgent proxy, string form, string payload, string? proof = null)
    {
        var parts = form.Split('?');
        var path = $"/2015-03-31/functions/{parts[0]}/invocations" + (parts.Length > 1 ? "?" + parts[1] : string.Empty);
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(payload, Encoding.UTF8, "application/json"),
        };
        if (proof is not null)
        {
            request.Headers.Add(WarmKeeperHeaders.Ping, proof);
        }

        return proxy.Http.SendAsync(request);
    }

    private static async Task<(long Admitted, long Rejected)> CountsAsync(ProxiedAgent proxy)
    {
        var status = await proxy.StatusAsync(BypassAgents.LimitId);
        return (status.GetProperty("admitted").GetInt64(), status.GetProperty("rejected").GetInt64());
    }
}
