using System.Text.Json.Nodes;
using WarmKeeper.Core.Warmup;
using Xunit;

namespace WarmKeeper.Core.Tests.Warmup;

/// <summary>The report's JSON is the REST contract of a run (its event's data, the manual-run answer): pinned here byte for byte.</summary>
public sealed class WarmupRunReportTests
{
    private static readonly WarmupRunReport Unverified = new()
    {
        Trigger = "manual",
        CorrelationId = "c1",
        Requested = 2,
        Sent = 2,
        Cold = 0,
        Warm = 0,
        DistinctEnvironments = null,
        Errors = 2,
        Throttled = 0,
        TopUpPings = 0,
        Reached = null,
        Capped = false,
        CapReason = null,
        ReservedConcurrency = null,
        UnreservedConcurrency = 998,
        InFlight = 0,
        ElapsedMs = 261.1,
        ErrorSamples = ["Function error (Unhandled)."],
    };

    [Fact]
    public void A_report_is_written_in_the_fields_and_order_of_the_contract_nulls_included() =>
        Assert.Equal(
            """{"trigger":"manual","correlationId":"c1","requested":2,"sent":2,"cold":0,"warm":0,"distinctEnvironments":null,"environmentsCountedBy":null,"environmentsNote":null,"errors":2,"throttled":0,"topUpPings":0,"reached":null,"capped":false,"capReason":null,"reservedConcurrency":null,"unreservedConcurrency":998,"inFlight":0,"elapsedMs":261.1,"errorSamples":["Function error (Unhandled)."]}""",
            Unverified.ToJson().ToJsonString());

    [Fact]
    public void A_capped_report_reads_back_as_it_was_written()
    {
        var capped = Unverified with
        {
            DistinctEnvironments = 1, Reached = true, Capped = true, CapReason = "capped at 1 of 6", ReservedConcurrency = 2, ElapsedMs = 77,
            Errors = 0, ErrorSamples = [],
        };
        var json = capped.ToJson();
        Assert.Equal(77, json["elapsedMs"]!.GetValue<double>());
        var read = WarmupRunReport.FromJson(json);
        Assert.Equal(capped with { ErrorSamples = read.ErrorSamples }, read);
        Assert.Empty(read.ErrorSamples);
        Assert.True(read.Healthy);
    }

    [Fact]
    public void Fields_an_older_agent_did_not_write_read_as_their_defaults()
    {
        var read = WarmupRunReport.FromJson(new JsonObject { ["sent"] = 3, ["cold"] = 1 });
        Assert.Equal(3, read.Sent);
        Assert.Equal(0, read.TopUpPings);
        Assert.Null(read.Reached);
        Assert.Empty(read.ErrorSamples);
    }

    [Fact]
    public void A_failure_is_written_as_its_trigger_and_error() =>
        Assert.Equal("""{"trigger":"manual","error":"Timed out."}""", new WarmupRunFailure("manual", "Timed out.").ToJson().ToJsonString());
}
