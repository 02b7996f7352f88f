using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using WarmKeeper.Lambda.Signing;
using WarmKeeper.LocalRuntime.Hosting;

namespace WarmKeeper.LocalRuntime.Auth;

/// <summary>The local runtime's <see cref="IRequestAuthenticator"/>: SigV4 against <see cref="LocalRuntimeOptions.Credentials"/>.</summary>
public sealed class SigV4RequestAuthenticator : IRequestAuthenticator
{
    private readonly SigV4RequestVerifier? _verifier;

    public SigV4RequestAuthenticator(SigV4RequestVerifier verifier)
    {
        ArgumentNullException.ThrowIfNull(verifier);
        _verifier = verifier;
    }

    /// <summary>From the runtime's options; without credentials the server never asks (and this would refuse).</summary>
    public SigV4RequestAuthenticator(IOptions<LocalRuntimeOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Value.Credentials is not null)
        {
            _verifier = CreateVerifier(options.Value, timeProvider);
        }
    }

    /// <summary>A verifier for the runtime's options; <see cref="LocalRuntimeOptions.Credentials"/> must be complete.</summary>
    public static SigV4RequestVerifier CreateVerifier(LocalRuntimeOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        var credentials = options.Credentials
            ?? throw new ArgumentException($"{LocalRuntimeOptions.SectionName}:Credentials is not set; there is nothing to verify signatures with.", nameof(options));
        var missing = new List<string>();
        if (string.IsNullOrWhiteSpace(credentials.AccessKeyId))
        {
            missing.Add($"{LocalRuntimeOptions.SectionName}:Credentials:AccessKeyId");
        }

        if (string.IsNullOrWhiteSpace(credentials.SecretAccessKey))
        {
            missing.Add($"{LocalRuntimeOptions.SectionName}:Credentials:SecretAccessKey");
        }

        if (missing.Count > 0)
        {
            throw new ArgumentException($"Signature verification needs {string.Join(" and ", missing)}.", nameof(options));
        }

        return new SigV4RequestVerifier(credentials.AccessKeyId!, credentials.SecretAccessKey!, options.Region, timeProvider);
    }

    public async ValueTask<RequestAuthenticationResult> AuthenticateAsync(HttpRequest request, CancellationToken ct)
    {
        if (_verifier is null)
        {
            throw new InvalidOperationException(
                $"{LocalRuntimeOptions.SectionName}:Credentials is not configured, so there is nothing to check signatures against.");
        }

        var verdict = await _verifier.VerifyAsync(request, ct).ConfigureAwait(false);
        return verdict.IsAuthenticated
            ? RequestAuthenticationResult.Success
            : RequestAuthenticationResult.Fail(verdict.ErrorType!, verdict.Message!, verdict.StatusCode);
    }
}

public static class SigV4AuthenticationServiceCollectionExtensions
{
    /// <summary>
    /// Makes the local runtime require SigV4 signatures made with <see cref="LocalRuntimeOptions.Credentials"/>
    /// (when those are configured; without them the runtime stays open, as on loopback by default).
    /// </summary>
    public static IServiceCollection AddLocalRuntimeSigV4Authentication(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IRequestAuthenticator, SigV4RequestAuthenticator>();
        return services;
    }
}
