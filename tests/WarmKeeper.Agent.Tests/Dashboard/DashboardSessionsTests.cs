using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using WarmKeeper.Agent.Dashboard;
using WarmKeeper.Agent.Security;

namespace WarmKeeper.Agent.Tests.Dashboard;

public sealed class DashboardSessionsTests
{
    private const string Key = "a-dashboard-key";

    private readonly FakeTimeProvider _time = new();

    private DashboardSessions Sessions(params string[] configured)
    {
        var options = new ApiSecurityOptions();
        foreach (var key in configured)
        {
            options.Keys[key] = new ApiKeyOptions { Hash = ApiKeyHashing.Hash(key), Scopes = ["read"] };
        }

        return new DashboardSessions(new ApiKeyVerifier(Options.Create(options)), _time);
    }

    [Fact]
    public void A_session_resolves_to_its_key_until_it_is_ended()
    {
        var sessions = Sessions(Key);
        var signIn = sessions.Start(Key)!;
        var other = sessions.Start(Key)!;

        Assert.NotEqual(signIn.SessionId, other.SessionId);
        Assert.DoesNotContain(Key, signIn.SessionId, StringComparison.Ordinal);
        Assert.Equal(Key, sessions.KeyFor(signIn.SessionId));
        Assert.Equal(Key, sessions.Resolve(signIn.SessionId)!.Name);

        sessions.End(signIn.SessionId);
        Assert.Null(sessions.KeyFor(signIn.SessionId));
        Assert.Null(sessions.Resolve(signIn.SessionId));
        Assert.Equal(Key, sessions.KeyFor(other.SessionId));
    }

    [Fact]
    public void A_wrong_key_starts_no_session_and_an_unknown_id_resolves_to_nothing()
    {
        var sessions = Sessions(Key);
        Assert.Null(sessions.Start("not-the-key"));
        Assert.Null(sessions.Resolve("made-up"));
    }

    [Fact]
    public void A_session_unused_for_the_idle_timeout_ends_and_use_keeps_it_alive()
    {
        var sessions = Sessions(Key);
        var kept = sessions.Start(Key)!;
        var idle = sessions.Start(Key)!;

        _time.Advance(DashboardSessions.IdleTimeout - TimeSpan.FromMinutes(1));
        Assert.NotNull(sessions.Resolve(kept.SessionId));
        _time.Advance(TimeSpan.FromMinutes(2));

        Assert.NotNull(sessions.Resolve(kept.SessionId));
        Assert.Null(sessions.Resolve(idle.SessionId));
    }
}
