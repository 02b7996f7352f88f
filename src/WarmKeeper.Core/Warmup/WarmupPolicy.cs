namespace WarmKeeper.Core.Warmup;

/// <summary>
/// "Keep <see cref="FanOut"/> environments of this function warm on this schedule."
/// </summary>
public sealed record WarmupPolicy
{
    /// <summary>A slug: lowercase letters, digits and '-', 1 to 64 characters.</summary>
    public required string Id { get; init; }

    /// <summary>The Lambda target's name (<c>local</c> for the built-in runtime).</summary>
    public required string Target { get; init; }

    public required string Function { get; init; }

    /// <summary>A version or alias; null pings <c>$LATEST</c>.</summary>
    public string? Qualifier { get; init; }

    /// <summary>Cron, 5 fields (minute precision) or 6 (seconds first).</summary>
    public required string Schedule { get; init; }

    /// <summary>IANA or Windows time-zone id the schedule and the active window are read in.</summary>
    public string TimeZone { get; init; } = "UTC";

    /// <summary>How many environments to keep warm (1 to 1000).</summary>
    public int FanOut { get; init; } = 1;

    public WarmupPayloadFormat PayloadFormat { get; init; } = WarmupPayloadFormat.WarmKeeper;

    /// <summary>The JSON sent as is when <see cref="PayloadFormat"/> is <see cref="WarmupPayloadFormat.Custom"/>.</summary>
    public string? CustomPayload { get; init; }

    /// <summary>
    /// The client context document sent with every ping (a JSON object, e.g. <c>{"custom":{…}}</c>;
    /// base64-encoded on the wire as <c>X-Amz-Client-Context</c>), for any format; null sends what the
    /// format's warmer sends (serverless-plugin-warmup: <c>{"custom":{"source":"serverless-plugin-warmup"}}</c>), else none.
    /// </summary>
    public string? ClientContext { get; init; }

    /// <summary>How long each ping asks the function to hold its environment, so concurrent pings land on distinct ones.</summary>
    public int HoldMs { get; init; } = WarmupDefaults.HoldMs;

    /// <summary>When set, occurrences outside the window are skipped.</summary>
    public ActiveWindow? ActiveWindow { get; init; }

    public bool Enabled { get; init; } = true;

    /// <summary>Count distinct environments reached and top up when fewer than <see cref="FanOut"/>.</summary>
    public bool Verify { get; init; } = true;

    /// <summary>At most this many extra pings per run for top-ups (null: as many as <see cref="FanOut"/>).</summary>
    public int? TopUpBudget { get; init; }
}

/// <summary>Days of the week and a time-of-day range, in the policy's time zone; <see cref="End"/> may be before <see cref="Start"/> (overnight).</summary>
public sealed record ActiveWindow
{
    public IReadOnlyList<DayOfWeek> Days { get; init; } = [];

    public TimeOnly Start { get; init; } = TimeOnly.MinValue;

    public TimeOnly End { get; init; } = TimeOnly.MaxValue;

    /// <summary>Is <paramref name="local"/> (already converted to the policy's zone) inside the window?</summary>
    public bool Contains(DateTime local)
    {
        var time = TimeOnly.FromDateTime(local);
        if (Start <= End)
        {
            return (Days.Count == 0 || Days.Contains(local.DayOfWeek)) && time >= Start && time < End;
        }

        // Overnight: 22:00-06:00 on Friday covers Friday 22:00 to Saturday 06:00.
        if (time >= Start)
        {
            return Days.Count == 0 || Days.Contains(local.DayOfWeek);
        }

        return time < End && (Days.Count == 0 || Days.Contains(local.AddDays(-1).DayOfWeek));
    }
}

/// <summary>What a ping's payload looks like, so functions written for the common warmers work unchanged.</summary>
public enum WarmupPayloadFormat
{
    /// <summary><c>{"warmkeeper":{"warmup":true,"correlationId":…,"index":…,"fanOut":…,"holdMs":…}}</c></summary>
    WarmKeeper,

    /// <summary>serverless-plugin-warmup: <c>{"source":"serverless-plugin-warmup"}</c>.</summary>
    ServerlessPluginWarmup,

    /// <summary>lambda-warmer (npm) and lambda-warmer-py: each ping is one of the libraries' own fan-out invocations, <c>{"warmer":true,"__WARMER_INVOCATION__":i,…}</c>.</summary>
    LambdaWarmer,

    /// <summary>The policy's own JSON.</summary>
    Custom,
}

public static class WarmupDefaults
{
    public const int HoldMs = 150;
    public const int MaxHoldMs = 10_000;
    public const int MaxFanOut = 1000;
    public const int MaxTopUpBudget = 1000;

    /// <summary>Lambda's limit on <c>X-Amz-Client-Context</c>: 3,583 bytes of base64.</summary>
    public const int MaxClientContextBase64Bytes = 3583;

    /// <summary>Lambda's limit on a synchronous invocation's payload: 6 MB.</summary>
    public const int MaxPayloadBytes = 6 * 1024 * 1024;

    /// <summary>Environments left free for real traffic when capping a fan-out by headroom.</summary>
    public const int HeadroomMargin = 1;
}
