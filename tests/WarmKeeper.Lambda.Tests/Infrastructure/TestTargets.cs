namespace WarmKeeper.Lambda.Tests;

internal static class TestTargets
{
    public const string AccessKeyId = "AKIDWARMKEEPERTEST01";
    public const string SecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYWARMKEEPER";
    public const string Region = "us-east-1";

    /// <summary>Fast, deterministic-enough defaults for tests against a local endpoint.</summary>
    public static LambdaTargetOptions Options(Uri serviceUrl, Action<LambdaTargetOptions>? configure = null)
    {
        var options = new LambdaTargetOptions
        {
            Name = "test",
            Region = Region,
            ServiceUrl = serviceUrl.ToString(),
            AccessKeyId = AccessKeyId,
            SecretAccessKey = SecretAccessKey,
            RequestTimeout = TimeSpan.FromSeconds(10),
            InvokeTimeout = TimeSpan.FromSeconds(30),
            RetryBaseDelay = TimeSpan.FromMilliseconds(1),
            MaxRetryDelay = TimeSpan.FromSeconds(5),
        };
        configure?.Invoke(options);
        return options;
    }
}
