using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
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
            _verifier = SigV4RequestVerifier.FromOptions(options.Value, timeProvider);
        }
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
