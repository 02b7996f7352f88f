using Cronos;

namespace WarmKeeper.Core.Scheduling;

/// <summary>A policy's cron expression read in its time zone.</summary>
public sealed class CronSchedule
{
    private readonly CronExpression _cron;
    private readonly TimeZoneInfo _zone;

    private CronSchedule(CronExpression cron, TimeZoneInfo zone)
    {
        _cron = cron;
        _zone = zone;
    }

    public TimeZoneInfo TimeZone => _zone;

    /// <summary>Parses a 5-field (minutes) or 6-field (seconds first) cron expression.</summary>
    public static bool TryParse(string? cron, string? timeZone, out CronSchedule? schedule, out string? cronError, out string? zoneError)
    {
        schedule = null;
        cronError = null;
        zoneError = null;
        CronExpression? expression = null;
        TimeZoneInfo? zone = null;

        if (string.IsNullOrWhiteSpace(cron))
        {
            cronError = "A cron expression is required, e.g. \"*/5 * * * *\".";
        }
        else
        {
            var fields = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            if (fields is not (5 or 6))
            {
                cronError = $"'{cron}' has {fields} fields; a cron expression has 5 (minute hour day month weekday) or 6 (seconds first).";
            }
            else
            {
                try
                {
                    expression = CronExpression.Parse(cron, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
                }
                catch (CronFormatException e)
                {
                    cronError = $"'{cron}' is not a valid cron expression: {e.Message}";
                }
            }
        }

        if (!TryFindZone(string.IsNullOrWhiteSpace(timeZone) ? "UTC" : timeZone, out zone))
        {
            zoneError = $"'{timeZone}' is not a known time zone (use an IANA id such as Europe/Berlin).";
        }

        if (expression is null || zone is null)
        {
            return false;
        }

        schedule = new CronSchedule(expression, zone);
        return true;
    }

    public static CronSchedule Parse(string cron, string? timeZone = null) =>
        TryParse(cron, timeZone, out var schedule, out var cronError, out var zoneError)
            ? schedule!
            : throw new FormatException(cronError ?? zoneError);

    /// <summary>The first occurrence strictly after <paramref name="after"/>, or null if there is none.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after) =>
        _cron.GetNextOccurrence(after, _zone, inclusive: false);

    /// <summary>The local time of <paramref name="instant"/> in the schedule's zone.</summary>
    public DateTime ToLocal(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, _zone).DateTime;

    private static bool TryFindZone(string id, out TimeZoneInfo? zone)
    {
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            zone = null;
            return false;
        }
    }
}
