using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using WarmKeeper.Agent.Persistence;
using WarmKeeper.Core.Warmup;

namespace WarmKeeper.Agent.Warmup;

/// <summary>Warm-up policies in the database, with optimistic concurrency; one column per field.</summary>
public sealed class WarmupPolicyStore(IDbContextFactory<WarmKeeperDbContext> contexts, TimeProvider timeProvider)
    : RevisionedStore<WarmupPolicyRow, WarmupPolicy>(contexts, timeProvider)
{
    protected override string IdOf(WarmupPolicy value) => value.Id;

    protected override WarmupPolicyRow NewRow(WarmupPolicy value)
    {
        var row = new WarmupPolicyRow
        {
            Id = value.Id,
            Target = value.Target,
            Function = value.Function,
            Schedule = value.Schedule,
            TimeZone = value.TimeZone,
            PayloadFormat = value.PayloadFormat.ToString(),
        };
        Write(value, row);
        return row;
    }

    protected override void Write(WarmupPolicy value, WarmupPolicyRow row)
    {
        row.Target = value.Target;
        row.Function = value.Function;
        row.Qualifier = value.Qualifier;
        row.Schedule = value.Schedule;
        row.TimeZone = value.TimeZone;
        row.FanOut = value.FanOut;
        row.PayloadFormat = value.PayloadFormat.ToString();
        row.CustomPayload = value.CustomPayload;
        row.ClientContext = value.ClientContext;
        row.HoldMs = value.HoldMs;
        row.ActiveWindow = value.ActiveWindow is null ? null : JsonSerializer.Serialize(value.ActiveWindow, JsonSerializerOptions.Web);
        row.Enabled = value.Enabled;
        row.Verify = value.Verify;
        row.TopUpBudget = value.TopUpBudget;
    }

    protected override WarmupPolicy Read(WarmupPolicyRow row) => new()
    {
        Id = row.Id,
        Target = row.Target,
        Function = row.Function,
        Qualifier = row.Qualifier,
        Schedule = row.Schedule,
        TimeZone = row.TimeZone,
        FanOut = row.FanOut,
        PayloadFormat = Enum.Parse<WarmupPayloadFormat>(row.PayloadFormat),
        CustomPayload = row.CustomPayload,
        ClientContext = row.ClientContext,
        HoldMs = row.HoldMs,
        ActiveWindow = row.ActiveWindow is null ? null : JsonSerializer.Deserialize<ActiveWindow>(row.ActiveWindow, JsonSerializerOptions.Web),
        Enabled = row.Enabled,
        Verify = row.Verify,
        TopUpBudget = row.TopUpBudget,
    };
}
