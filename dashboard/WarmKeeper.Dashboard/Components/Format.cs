using System.Globalization;

namespace WarmKeeper.Dashboard.Components;

/// <summary>How the dashboard writes times, spans and figures.</summary>
public static class Format
{
    public static string Ago(DateTimeOffset time, DateTimeOffset now)
    {
        var span = now - time;
        return span switch
        {
            { TotalSeconds: < 1 } => "just now",
            { TotalSeconds: < 60 } => $"{(int)span.TotalSeconds} s ago",
            { TotalMinutes: < 60 } => $"{(int)span.TotalMinutes} min ago",
            { TotalHours: < 48 } => $"{(int)span.TotalHours} h ago",
            _ => $"{(int)span.TotalDays} d ago",
        };
    }

    public static string Time(DateTimeOffset time) => time.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    public static string DateTime(DateTimeOffset time) => time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string Span(TimeSpan span) => span.ToString("c", CultureInfo.InvariantCulture);

    public static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>A figure with up to <paramref name="decimals"/> decimals, no trailing zeros.</summary>
    public static string Number(double value, int decimals) => value.ToString("0." + new string('#', decimals), CultureInfo.InvariantCulture);

    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Optional(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "—";

    public static string Usd(double value) => value.ToString(value < 0.01 ? "$0.000000" : "$0.0000", CultureInfo.InvariantCulture);

    public static string Percent(double ratio) => (ratio * 100).ToString("0.00", CultureInfo.InvariantCulture) + " %";
}
