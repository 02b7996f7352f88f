using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime.Internal.Auth;
using Amazon.Util;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace WarmKeeper.Lambda.Signing;

/// <summary>
/// Checks the AWS Signature Version 4 of a request to a Lambda listener (the local runtime, the invoke proxy) the way Lambda does:
/// recomputes the canonical request (double-encoded canonical URI as for every non-S3 service,
/// sorted canonical query, the signed headers, the payload hash), the string to sign and the
/// signature with the configured secret, compares in constant time, and refuses requests whose
/// <c>x-amz-date</c> is more than 15 minutes away from now, whose payload is not the one signed, or that carry
/// an unsigned header from <see cref="HeadersThatMustBeSigned"/>. Hashing and the signing-key derivation
/// come from AWSSDK.Core's <see cref="AWS4Signer"/>, the same code the WarmKeeper client signs with.
/// Thread-safe.
/// </summary>
public sealed class SigV4RequestVerifier
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(15);

    private const string AmzDateFormat = "yyyyMMdd'T'HHmmss'Z'";
    private const string ScopeDateFormat = "yyyyMMdd";
    private const string UnsignedPayload = "UNSIGNED-PAYLOAD";

    /// <summary>Headers that change what an invocation does: when present, they must be among the signed headers.</summary>
    public static readonly IReadOnlyList<string> HeadersThatMustBeSigned = ["x-amz-invocation-type", "x-amz-log-type", "x-amz-client-context"];

    private readonly byte[] _accessKeyId;
    private readonly string _secretAccessKey;
    private readonly string _region;
    private readonly string _service;
    private readonly TimeProvider _timeProvider;

    /// <param name="accessKeyId">The one access key id the runtime accepts.</param>
    /// <param name="secretAccessKey">Its secret.</param>
    /// <param name="region">The region requests must be scoped to (the listener's own region).</param>
    /// <param name="timeProvider">The clock of the skew check.</param>
    /// <param name="service">The service requests must be scoped to.</param>
    public SigV4RequestVerifier(string accessKeyId, string secretAccessKey, string region, TimeProvider timeProvider, string service = "lambda")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accessKeyId);
        ArgumentException.ThrowIfNullOrWhiteSpace(secretAccessKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _accessKeyId = Encoding.UTF8.GetBytes(accessKeyId);
        _secretAccessKey = secretAccessKey;
        _region = region;
        _service = service;
        _timeProvider = timeProvider;
    }

    /// <summary>
    /// Verifies <paramref name="request"/>, reading its body to hash it. The body is buffered and
    /// rewound, so the endpoint can read it again afterwards.
    /// </summary>
    public async ValueTask<SigV4VerificationResult> VerifyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.Headers.ContainsKey("Authorization"))
        {
            return SigV4VerificationResult.MissingToken();
        }

        request.EnableBuffering();
        var body = request.Body;
        body.Position = 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            body.Position = 0;
        }

        return Verify(request, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>Verifies <paramref name="request"/> whose body the caller already holds.</summary>
    public SigV4VerificationResult Verify(HttpRequest request, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Verify(request, Convert.ToHexStringLower(SHA256.HashData(body)));
    }

    private SigV4VerificationResult Verify(HttpRequest request, string bodySha256)
    {
        if (!request.Headers.TryGetValue("Authorization", out var authorizationValues) || StringValues.IsNullOrEmpty(authorizationValues))
        {
            return SigV4VerificationResult.MissingToken();
        }

        if (!TryParseAuthorization(authorizationValues.ToString(), out var authorization, out var problem))
        {
            return SigV4VerificationResult.Incomplete(problem);
        }

        var accessKeyId = authorization.AccessKeyId;
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(accessKeyId), _accessKeyId))
        {
            return SigV4VerificationResult.UnknownAccessKey(accessKeyId);
        }

        if (!TryReadRequestTime(request, out var amzDate, out var signedAt))
        {
            return SigV4VerificationResult.Incomplete(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + Algorithm + " Credential=" + accessKeyId + "/…");
        }

        var now = _timeProvider.GetUtcNow();
        if (signedAt < now - MaxClockSkew)
        {
            return SigV4VerificationResult.Invalid(
                $"Signature expired: {amzDate} is now earlier than {FormatAmzDate(now - MaxClockSkew)} ({FormatAmzDate(now)} - 15 min.)", accessKeyId);
        }

        if (signedAt > now + MaxClockSkew)
        {
            return SigV4VerificationResult.Invalid(
                $"Signature not yet current: {amzDate} is still later than {FormatAmzDate(now + MaxClockSkew)} ({FormatAmzDate(now)} + 15 min.)", accessKeyId);
        }

        var requestDay = signedAt.ToString(ScopeDateFormat, CultureInfo.InvariantCulture);
        if (!string.Equals(authorization.ScopeDate, requestDay, StringComparison.Ordinal))
        {
            return SigV4VerificationResult.Invalid(
                $"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{authorization.ScopeDate}' != '{requestDay}', from '{amzDate}'.", accessKeyId);
        }

        if (!string.Equals(authorization.Region, _region, StringComparison.Ordinal))
        {
            return SigV4VerificationResult.Invalid($"Credential should be scoped to a valid region, not '{authorization.Region}'. ", accessKeyId);
        }

        if (!string.Equals(authorization.Service, _service, StringComparison.Ordinal))
        {
            return SigV4VerificationResult.Invalid($"Credential should be scoped to correct service: '{_service}'. ", accessKeyId);
        }

        var signedHeaders = authorization.SignedHeaders.Split(';');
        if (!signedHeaders.Contains("host", StringComparer.Ordinal))
        {
            return SigV4VerificationResult.Invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.", accessKeyId);
        }

        var unsigned = HeadersThatMustBeSigned.Where(h => request.Headers.ContainsKey(h) && !signedHeaders.Contains(h, StringComparer.Ordinal)).ToList();
        if (unsigned.Count > 0)
        {
            // They decide what an invocation does (synchronous or not, a log tail, the client context): unsigned, anyone
            // on the path could change them under a valid signature.
            return SigV4VerificationResult.Invalid(
                "There were headers present in the request which were not signed: " + string.Join(", ", unsigned) + ". Sign them with the request.", accessKeyId);
        }

        // The payload is always part of the signature: the canonical request carries the hash of the body received, so a
        // body changed after signing fails, and a declared hash (signed or not) must be that body's.
        if (request.Headers.TryGetValue("x-amz-content-sha256", out var declaredHash) && !StringValues.IsNullOrEmpty(declaredHash))
        {
            var declared = declaredHash.ToString().Trim();
            if (string.Equals(declared, UnsignedPayload, StringComparison.Ordinal))
            {
                // Lambda's operations have no unsigned-body form (the AWS CLI and the SDKs hash the payload); accepting it
                // would let anyone on the path replace an Invoke payload.
                return SigV4VerificationResult.Invalid(
                    "x-amz-content-sha256: UNSIGNED-PAYLOAD is not accepted; Lambda requests must sign the SHA-256 of their payload.", accessKeyId);
            }

            if (!string.Equals(declared, bodySha256, StringComparison.OrdinalIgnoreCase))
            {
                return SigV4VerificationResult.Invalid("The provided 'x-amz-content-sha256' header does not match what was computed.", accessKeyId);
            }
        }

        var canonicalRequest = BuildCanonicalRequest(request, signedHeaders, authorization.SignedHeaders, bodySha256);
        var expected = AWS4Signer.ComputeSignature(
            accessKeyId, _secretAccessKey, authorization.Region, signedAt.UtcDateTime, authorization.Service, authorization.SignedHeaders, canonicalRequest);

        return SignaturesEqual(expected.Signature, authorization.Signature)
            ? SigV4VerificationResult.Success(accessKeyId)
            : SigV4VerificationResult.SignatureMismatch(accessKeyId);
    }

    /// <summary>The canonical request of SigV4: method, canonical URI, canonical query, canonical headers, signed headers, payload hash.</summary>
    internal static string BuildCanonicalRequest(HttpRequest request, string[] signedHeaders, string signedHeaderList, string payloadHash)
    {
        var (rawPath, rawQuery) = RawPathAndQuery(request);
        var builder = new StringBuilder(512)
            .Append(request.Method.ToUpperInvariant()).Append('\n')
            .Append(SigV4Canonicalization.CanonicalUri(rawPath)).Append('\n')
            .Append(SigV4Canonicalization.CanonicalQuery(rawQuery)).Append('\n');

        foreach (var name in signedHeaders)
        {
            builder.Append(name).Append(':');
            if (request.Headers.TryGetValue(name, out var values))
            {
                var first = true;
                foreach (var value in values)
                {
                    if (!first)
                    {
                        builder.Append(',');
                    }

                    builder.Append(AWSSDKUtils.CompressSpaces(value ?? string.Empty, true));
                    first = false;
                }
            }

            builder.Append('\n');
        }

        return builder.Append('\n').Append(signedHeaderList).Append('\n').Append(payloadHash).ToString();
    }

    /// <summary>The request target exactly as the client sent it (ASP.NET Core's Path is already decoded).</summary>
    private static (string Path, string Query) RawPathAndQuery(HttpRequest request)
    {
        var rawTarget = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(rawTarget) || rawTarget == "*")
        {
            return (request.PathBase.Add(request.Path).ToUriComponent(), request.QueryString.HasValue ? request.QueryString.Value![1..] : string.Empty);
        }

        if (!rawTarget.StartsWith('/') && Uri.TryCreate(rawTarget, UriKind.Absolute, out var absolute))
        {
            rawTarget = absolute.GetComponents(UriComponents.PathAndQuery, UriFormat.UriEscaped);
        }

        var question = rawTarget.IndexOf('?');
        return question < 0 ? (rawTarget, string.Empty) : (rawTarget[..question], rawTarget[(question + 1)..]);
    }

    private static bool TryReadRequestTime(HttpRequest request, out string amzDate, out DateTimeOffset signedAt)
    {
        if (request.Headers.TryGetValue("x-amz-date", out var values) && values.ToString() is { Length: > 0 } value)
        {
            amzDate = value.Trim();
            return DateTimeOffset.TryParseExact(amzDate, AmzDateFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out signedAt);
        }

        if (request.Headers.TryGetValue("Date", out values) && DateTimeOffset.TryParseExact(values.ToString().Trim(), "r",
                CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out signedAt))
        {
            amzDate = FormatAmzDate(signedAt);
            return true;
        }

        amzDate = string.Empty;
        signedAt = default;
        return false;
    }

    private static string FormatAmzDate(DateTimeOffset time) => time.UtcDateTime.ToString(AmzDateFormat, CultureInfo.InvariantCulture);

    private static bool SignaturesEqual(string expectedHex, string providedHex)
    {
        Span<byte> expected = stackalloc byte[expectedHex.Length];
        Span<byte> provided = stackalloc byte[Math.Min(providedHex.Length, 256)];
        Encoding.ASCII.GetBytes(expectedHex, expected);
        Encoding.ASCII.GetBytes(providedHex.AsSpan(0, provided.Length).ToString().ToLowerInvariant(), provided);
        return CryptographicOperations.FixedTimeEquals(expected, provided);
    }

    private static bool TryParseAuthorization(string header, out ParsedAuthorization authorization, out string problem)
    {
        authorization = default;
        var value = header.Trim();
        if (!value.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            problem = $"Authorization header requires the '{Algorithm}' algorithm with 'Credential', 'SignedHeaders' and 'Signature' parameters.";
            return false;
        }

        string? credential = null, signedHeaders = null, signature = null;
        foreach (var part in value[(Algorithm.Length + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=');
            if (equals <= 0)
            {
                continue;
            }

            var name = part[..equals].Trim();
            var content = part[(equals + 1)..].Trim();
            switch (name)
            {
                case "Credential": credential = content; break;
                case "SignedHeaders": signedHeaders = content; break;
                case "Signature": signature = content; break;
            }
        }

        var missing = new List<string>();
        if (string.IsNullOrEmpty(credential))
        {
            missing.Add("Authorization header requires 'Credential' parameter.");
        }

        if (string.IsNullOrEmpty(signedHeaders))
        {
            missing.Add("Authorization header requires 'SignedHeaders' parameter.");
        }

        if (string.IsNullOrEmpty(signature))
        {
            missing.Add("Authorization header requires 'Signature' parameter.");
        }

        if (missing.Count > 0)
        {
            problem = string.Join(' ', missing) + " Authorization=" + value;
            return false;
        }

        var scope = credential!.Split('/');
        if (scope.Length != 5 || scope.Any(string.IsNullOrEmpty) || scope[4] != "aws4_request")
        {
            problem = $"Credential should be scoped to a valid region, service and terminator: '{credential}'. Expected <access key>/<yyyyMMdd>/<region>/<service>/aws4_request.";
            return false;
        }

        authorization = new ParsedAuthorization(scope[0], scope[1], scope[2], scope[3], signedHeaders!, signature!);
        problem = string.Empty;
        return true;
    }

    private readonly record struct ParsedAuthorization(
        string AccessKeyId, string ScopeDate, string Region, string Service, string SignedHeaders, string Signature);
}
