using Microsoft.Extensions.Options;
using WarmKeeper.Core.Warmup;

namespace WarmKeeper.Agent.Protection;

/// <summary>
/// How the agent proves that a warm-up ping is its own (section <c>WarmKeeper:Pings</c>): only such
/// pings are exempt from a rate limit and left out of demand.
/// </summary>
public sealed class AgentPingOptions
{
    public const string SectionName = "WarmKeeper:Pings";

    /// <summary>
    /// Base64 of at least 32 bytes shared by every agent whose pings another one's proxy or runtime must
    /// recognise (a controller pinging through sidecars); unset, each agent makes its own at start and
    /// recognises only its own pings.
    /// </summary>
    public string? Secret { get; set; }

    internal static AgentPingProof Create(AgentPingOptions options, TimeProvider time) =>
        string.IsNullOrEmpty(options.Secret)
            ? AgentPingProof.WithRandomSecret(time)
            : new AgentPingProof(Convert.FromBase64String(options.Secret), time);
}

internal sealed class AgentPingOptionsValidator : IValidateOptions<AgentPingOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentPingOptions options)
    {
        if (string.IsNullOrEmpty(options.Secret))
        {
            return ValidateOptionsResult.Success;
        }

        var bytes = new byte[options.Secret.Length];
        return Convert.TryFromBase64String(options.Secret, bytes, out var length) && length >= AgentPingProof.MinSecretBytes
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{AgentPingOptions.SectionName}:Secret must be base64 of at least {AgentPingProof.MinSecretBytes} random bytes " +
                "(for example the output of 'openssl rand -base64 32'), or be left unset for a secret of this agent's own.");
    }
}
