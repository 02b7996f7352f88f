namespace WarmKeeper.LocalRuntime.Functions;

/// <summary>
/// Everything a new execution environment is told about itself: which function and version it runs,
/// whether it is provisioned, and how the function can reach the runtime that hosts it.
/// </summary>
/// <param name="FunctionName">The function's name.</param>
/// <param name="Function">The function's configuration.</param>
/// <param name="EnvironmentId">The new environment's id (stable for its life).</param>
/// <param name="Version">The version it executes: <c>$LATEST</c> or a published version (an alias resolved).</param>
/// <param name="Provisioned">It belongs to a provisioned-concurrency allocation (AWS_LAMBDA_INITIALIZATION_TYPE).</param>
/// <param name="ServiceUrl">Where the local runtime's Lambda API actually listens, once it does (AWS_ENDPOINT_URL_LAMBDA).</param>
/// <param name="Credentials">The credentials the runtime verifies signatures with; null when it accepts any.</param>
public sealed record FunctionEnvironmentSpec(
    string FunctionName,
    LocalFunctionOptions Function,
    string EnvironmentId,
    string Version = FunctionEnvironmentSpec.Latest,
    bool Provisioned = false,
    Uri? ServiceUrl = null,
    LocalRuntimeCredentials? Credentials = null)
{
    public const string Latest = "$LATEST";
}
