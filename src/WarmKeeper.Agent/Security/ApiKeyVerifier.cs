using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace WarmKeeper.Agent.Security;

/// <summary>
/// The configured API keys (their SHA-256 digests) and the one way a presented key is checked against
/// them, shared by the REST API's authentication and the dashboard's sign-in.
/// </summary>
public sealed class ApiKeyVerifier(IOptions<ApiSecurityOptions> security)
{
    private readonly (string Name, byte[] Digest, List<string> Scopes)[] _keys = security.Value.Keys
        .Select(k => (k.Key, ApiKeyHashing.TryParse(k.Value.Hash, out var d) ? d : [], k.Value.Scopes))
        .ToArray();

    /// <summary>False when no keys are configured: loopback callers are then the local operator.</summary>
    public bool HasKeys => _keys.Length > 0;

    /// <returns>The key's name and scopes; null when it is not a configured key.</returns>
    public (string Name, IReadOnlyList<string> Scopes)? Verify(string presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        (string, IReadOnlyList<string>)? found = null;
        foreach (var (name, expected, scopes) in _keys)
        {
            // Every configured key is compared in full, in constant time.
            if (expected.Length == digest.Length && CryptographicOperations.FixedTimeEquals(expected, digest))
            {
                found ??= (name, scopes);
            }
        }

        return found;
    }
}
