using System.Security.Cryptography;
using WarmKeeper.Agent.Security;
using WarmKeeper.Dashboard.Security;

namespace WarmKeeper.Agent.Dashboard;

/// <summary>
/// Dashboard sign-ins, kept on the agent: the cookie carries only a random session id (256 bits), never the key.
/// The key stays in this process's memory so the dashboard can call the REST API as the person who signed in, and it
/// is checked against the configured keys on every use, so a key removed or changed ends its sessions. Sessions are
/// in memory only: they end when the agent restarts (everyone signs in again), which also means no key is ever written
/// to disk. Thread-safe.
/// </summary>
internal sealed class DashboardSessions(ApiKeyVerifier keys, TimeProvider time)
{
    /// <summary>As long as the sign-in cookie lives without use (its sliding expiration).</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromHours(8);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Session> _byId = new(StringComparer.Ordinal);

    /// <returns>The new session's id and identity; null when the key is not a configured key.</returns>
    public DashboardSignIn? Start(string key)
    {
        if (keys.Verify(key) is not { } found)
        {
            return null;
        }

        var id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var identity = new DashboardIdentity(found.Name, found.Scopes);
        lock (_gate)
        {
            var now = time.GetUtcNow();
            foreach (var stale in _byId.Where(s => now - s.Value.LastUsed > IdleTimeout).Select(s => s.Key).ToList())
            {
                _byId.Remove(stale);
            }

            _byId[id] = new Session(key, identity, now);
        }

        return new DashboardSignIn(identity, id);
    }

    /// <returns>The identity of a live session whose key is still configured with the same name and scopes; else null (and the session ends).</returns>
    public DashboardIdentity? Resolve(string sessionId) => Use(sessionId)?.Identity;

    /// <returns>The key of a live session, to call the REST API with; null when the session has ended.</returns>
    public string? KeyFor(string sessionId) => Use(sessionId)?.Key;

    public void End(string sessionId)
    {
        lock (_gate)
        {
            _byId.Remove(sessionId);
        }
    }

    private Session? Use(string sessionId)
    {
        lock (_gate)
        {
            if (!_byId.TryGetValue(sessionId, out var session))
            {
                return null;
            }

            var now = time.GetUtcNow();
            var current = keys.Verify(session.Key);
            if (now - session.LastUsed > IdleTimeout || current is null || current.Value.Name != session.Identity.Name
                || !current.Value.Scopes.Order(StringComparer.Ordinal).SequenceEqual(session.Identity.Scopes.Order(StringComparer.Ordinal), StringComparer.Ordinal))
            {
                _byId.Remove(sessionId);
                return null;
            }

            session.LastUsed = now;
            return session;
        }
    }

    private sealed class Session(string key, DashboardIdentity identity, DateTimeOffset lastUsed)
    {
        public string Key { get; } = key;
        public DashboardIdentity Identity { get; } = identity;
        public DateTimeOffset LastUsed { get; set; } = lastUsed;
    }
}
