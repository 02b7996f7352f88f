using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace WarmKeeper.Agent.Dashboard;

/// <summary>
/// Where the dashboard reaches the agent's REST API: the agent's own HTTP listener, a loopback
/// address when it has one (a wildcard binding is reached on 127.0.0.1), or
/// <c>WarmKeeper:Dashboard:ApiUrl</c> when set.
/// </summary>
internal sealed class AgentSelfAddress(IServer server, IConfiguration configuration)
{
    public const string ConfigurationKey = "WarmKeeper:Dashboard:ApiUrl";

    private Uri? _resolved;

    public Uri BaseAddress => _resolved ??= Resolve();

    private Uri Resolve()
    {
        if (configuration[ConfigurationKey] is { Length: > 0 } configured)
        {
            return new Uri(configured.TrimEnd('/') + "/");
        }

        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var candidates = addresses
            .Select(a => a.Replace("://*", "://127.0.0.1", StringComparison.Ordinal)
                          .Replace("://+", "://127.0.0.1", StringComparison.Ordinal)
                          .Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal)
                          .Replace("://[::]", "://[::1]", StringComparison.Ordinal))
            .Select(a => Uri.TryCreate(a, UriKind.Absolute, out var uri) ? uri : null)
            .OfType<Uri>()
            .OrderBy(u => u.Scheme == Uri.UriSchemeHttp ? 0 : 1)
            .ThenBy(u => u.IsLoopback ? 0 : 1)
            .ToList();
        return candidates.Count > 0
            ? new Uri(candidates[0].GetLeftPart(UriPartial.Authority) + "/")
            : throw new InvalidOperationException($"The agent has no HTTP listener the dashboard can call; set {ConfigurationKey}.");
    }
}
