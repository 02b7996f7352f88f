using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using WarmKeeper.Core.Targets;

namespace WarmKeeper.Agent.Hosting;

/// <summary>Collects every problem in <see cref="AgentOptions"/> at once, each naming its configuration key.</summary>
internal sealed partial class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        var errors = new List<string>();
        const string prefix = AgentOptions.SectionName;

        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            errors.Add($"{prefix}:DataDirectory must not be empty (use \".\" for the working directory).");
        }

        foreach (var targetName in options.Targets.Keys)
        {
            var key = $"{prefix}:Targets:{targetName}";
            if (!TargetName().IsMatch(targetName))
            {
                errors.Add($"{key}: a target name is 1 to 32 lowercase letters, digits or '-'.");
            }
            else if (targetName == TargetNames.Local)
            {
                errors.Add($"{key}: the name 'local' is the built-in runtime's; configure it under {prefix}:LocalRuntime.");
            }
        }

        if (WarmKeeper.Agent.Dashboard.KeyRingCertificate.Problem(options.DataProtection) is { } certificate)
        {
            errors.Add(certificate);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    [GeneratedRegex("^[a-z0-9-]{1,32}\\z")]
    private static partial Regex TargetName();
}
