namespace WarmKeeper.Lambda.Wire;

/// <summary>
/// The parts of a FunctionName path parameter: a name, a full ARN, a partial ARN
/// (<c>123456789012:function:name</c>) or <c>name:qualifier</c>, each with an optional qualifier.
/// Every listener reads names through this one parser, so that every form resolves to the same
/// function, the same limits and the same policies.
/// </summary>
public readonly record struct FunctionReference(string Name, string? Qualifier)
{
    /// <summary>Splits <paramref name="functionName"/> as Lambda accepts it.</summary>
    public static FunctionReference Parse(string functionName)
    {
        ArgumentNullException.ThrowIfNull(functionName);
        if (functionName.IndexOf(':', StringComparison.Ordinal) < 0)
        {
            return new FunctionReference(functionName, null);
        }

        var parts = functionName.Split(':');
        // arn:aws:lambda:region:account:function:name[:qualifier]
        if (parts.Length >= 7 && parts[0] == "arn" && parts[5] == "function")
        {
            return new FunctionReference(parts[6], parts.Length > 7 ? parts[7] : null);
        }

        // account:function:name[:qualifier]
        if (parts.Length >= 3 && parts[1] == "function")
        {
            return new FunctionReference(parts[2], parts.Length > 3 ? parts[3] : null);
        }

        // name:qualifier
        return new FunctionReference(parts[0], parts.Length > 1 ? parts[1] : null);
    }
}
