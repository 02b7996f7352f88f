namespace WarmKeeper.Core.Scaling;

/// <summary>How much provisioned concurrency a function's alias or version should have, and how to decide it.</summary>
public sealed record ConcurrencyPolicy
{
    public required string Id { get; init; }
    public required string Target { get; init; }
    public required string Function { get; init; }

    /// <summary>An alias or version: required, as the cloud requires it for provisioned concurrency.</summary>
    public required string Qualifier { get; init; }

    public int Min { get; init; }
    public int Max { get; init; } = 10;

    /// <summary>Share of provisioned environments busy on average that target tracking aims for (0.1 to 0.9).</summary>
    public double TargetUtilization { get; init; } = ScalingDefaults.TargetUtilization;

    /// <summary>No scale-in until this long after the last scale-out (and demand has stayed low for it).</summary>
    public TimeSpan ScaleInDelay { get; init; } = ScalingDefaults.ScaleInDelay;

    /// <summary>The window target tracking averages over; also what must be seen after a start before any scale-in.</summary>
    public TimeSpan StableWindow { get; init; } = ScalingDefaults.StableWindow;

    /// <summary>The short window of burst mode (Knative pairs 6 s with a 60 s stable window).</summary>
    public TimeSpan BurstWindow { get; init; } = ScalingDefaults.BurstWindow;

    /// <summary>Burst mode starts when the short window asks for this many times the current capacity.</summary>
    public double BurstThreshold { get; init; } = ScalingDefaults.BurstThreshold;

    /// <summary>How far ahead predictive scaling provisions (allocation takes time).</summary>
    public TimeSpan PredictionLead { get; init; } = ScalingDefaults.PredictionLead;

    public bool TargetTracking { get; init; } = true;
    public bool Burst { get; init; } = true;
    public bool Predictive { get; init; }
    public IReadOnlyList<ScheduledBound> Schedules { get; init; } = [];

    /// <summary>Decide and record, but change nothing.</summary>
    public bool DryRun { get; init; }

    public bool Enabled { get; init; } = true;

    /// <summary>Set when provisioned concurrency was set by hand: the policy waits until resumed.</summary>
    public bool Paused { get; init; }
}

/// <summary>From each cron occurrence, for <see cref="Duration"/>: provisioned concurrency at least <see cref="Floor"/> and at most <see cref="Ceiling"/>.</summary>
public sealed record ScheduledBound
{
    public required string Cron { get; init; }
    public string TimeZone { get; init; } = "UTC";
    public TimeSpan Duration { get; init; } = TimeSpan.FromHours(1);
    public int? Floor { get; init; }
    public int? Ceiling { get; init; }
}

public static class ScalingDefaults
{
    public const double TargetUtilization = 0.7;
    public const double MinTargetUtilization = 0.1;
    public const double MaxTargetUtilization = 0.9;
    public const double BurstThreshold = 2.0;
    public const int MaxProvisioned = 10_000;
    public const int UnreservedFloor = 100;
    public static readonly TimeSpan StableWindow = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan BurstWindow = TimeSpan.FromSeconds(6);
    public static readonly TimeSpan ScaleInDelay = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan PredictionLead = TimeSpan.FromMinutes(3);
}
