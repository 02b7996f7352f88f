using Amazon.Util;

namespace WarmKeeper.Lambda.Signing;

/// <summary>The canonical URI and query string of SigV4, as AWS computes them for every service but S3.</summary>
public static class SigV4Canonicalization
{
    /// <summary>
    /// For every service but S3 the canonical URI is the path as sent (already percent-encoded once),
    /// with dot segments and repeated slashes removed, percent-encoded again.
    /// </summary>
    public static string CanonicalUri(string rawPath)
    {
        if (string.IsNullOrEmpty(rawPath))
        {
            return "/";
        }

        var segments = new List<string>();
        foreach (var segment in rawPath.Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }

                continue;
            }

            segments.Add(segment);
        }

        var normalized = (rawPath[0] == '/' ? "/" : string.Empty)
            + string.Join('/', segments)
            + (rawPath[^1] == '/' && segments.Count > 0 ? "/" : string.Empty);
        return normalized.Length == 0 ? "/" : AWSSDKUtils.UrlEncode(normalized, path: true);
    }

    /// <summary>Parameters decoded, re-encoded per RFC 3986, sorted by name then value; a name without value becomes <c>name=</c>.</summary>
    public static string CanonicalQuery(string rawQuery)
    {
        if (string.IsNullOrEmpty(rawQuery))
        {
            return string.Empty;
        }

        var parameters = new List<(string Key, string Value)>();
        foreach (var pair in rawQuery.Split('&'))
        {
            if (pair.Length == 0)
            {
                continue;
            }

            var equals = pair.IndexOf('=');
            var key = equals < 0 ? pair : pair[..equals];
            var value = equals < 0 ? string.Empty : pair[(equals + 1)..];
            parameters.Add((
                AWSSDKUtils.UrlEncode(Uri.UnescapeDataString(key), path: false),
                AWSSDKUtils.UrlEncode(Uri.UnescapeDataString(value), path: false)));
        }

        parameters.Sort(static (a, b) =>
        {
            var byKey = string.CompareOrdinal(a.Key, b.Key);
            return byKey != 0 ? byKey : string.CompareOrdinal(a.Value, b.Value);
        });

        return string.Join('&', parameters.Select(static p => p.Key + "=" + p.Value));
    }
}
