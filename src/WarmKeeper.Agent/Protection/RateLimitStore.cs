using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using WarmKeeper.Agent.Persistence;
using WarmKeeper.Core.Protection;

namespace WarmKeeper.Agent.Protection;

/// <summary>Rate limits in the database, with optimistic concurrency; the spec is kept as one JSON document.</summary>
public sealed class RateLimitStore(IDbContextFactory<WarmKeeperDbContext> contexts, TimeProvider timeProvider)
    : RevisionedStore<RateLimitRow, RateLimitSpec>(contexts, timeProvider)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    protected override string IdOf(RateLimitSpec value) => value.Id;

    protected override RateLimitRow NewRow(RateLimitSpec value) =>
        new() { Id = value.Id, Target = value.Target, Spec = JsonSerializer.Serialize(value, Json) };

    protected override void Write(RateLimitSpec value, RateLimitRow row)
    {
        row.Target = value.Target;
        row.Spec = JsonSerializer.Serialize(value, Json);
    }

    protected override RateLimitSpec Read(RateLimitRow row) => JsonSerializer.Deserialize<RateLimitSpec>(row.Spec, Json)!;
}
