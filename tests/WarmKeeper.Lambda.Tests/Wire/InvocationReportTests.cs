using System.Text;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.Lambda.Tests.Wire;

public sealed class InvocationReportTests
{
    [Fact]
    public void A_cold_start_report_carries_every_field()
    {
        const string log = "START RequestId: 6f7f Version: $LATEST\nhello\nEND RequestId: 6f7f\n"
            + "REPORT RequestId: 6f7f\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 256 MB\tMax Memory Used: 71 MB\tInit Duration: 187.52 ms\t\n";

        var report = InvocationReport.Parse(log);

        Assert.NotNull(report);
        Assert.Equal("6f7f", report.RequestId);
        Assert.Equal(TimeSpan.FromMilliseconds(12.34), report.Duration);
        Assert.Equal(TimeSpan.FromMilliseconds(13), report.BilledDuration);
        Assert.Equal(256, report.MemorySizeMb);
        Assert.Equal(71, report.MaxMemoryUsedMb);
        Assert.Equal(TimeSpan.FromMilliseconds(187.52), report.InitDuration);
        Assert.True(report.IsColdStart);
    }

    [Fact]
    public void A_warm_report_has_no_init_duration_and_tolerates_lambdas_stray_spaces()
    {
        var report = InvocationReport.Parse("REPORT RequestId: abc\tDuration: 1.00 ms\tBilled Duration: 100 ms \tMemory Size: 128 MB\tMax Memory Used: 18 MB\t");

        Assert.NotNull(report);
        Assert.Null(report.InitDuration);
        Assert.False(report.IsColdStart);
        Assert.Equal(TimeSpan.FromMilliseconds(100), report.BilledDuration);
    }

    [Fact]
    public void The_last_report_of_a_truncated_tail_wins()
    {
        const string log = "ration: 5 ms\nREPORT RequestId: one\tDuration: 5.00 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\tMax Memory Used: 10 MB\t\n"
            + "REPORT RequestId: two\tDuration: 7.50 ms\tBilled Duration: 8 ms\tMemory Size: 128 MB\tMax Memory Used: 11 MB\t\n";

        Assert.Equal("two", InvocationReport.Parse(log)?.RequestId);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("no report here")]
    [InlineData("REPORT RequestId: x\tMemory Size: 128 MB\t")]
    public void Logs_without_a_usable_report_give_null(string? log) => Assert.Null(InvocationReport.Parse(log));

    [Theory]
    [InlineData(null, null)]
    [InlineData(187.52, null)]
    [InlineData(187.52, "timeout")]
    public void A_written_report_reads_back_as_written(double? initMs, string? status)
    {
        var written = InvocationReport.Of("6f7f", TimeSpan.FromMilliseconds(12.34), 256, 71, initMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null);
        var log = new StringBuilder("START RequestId: 6f7f Version: $LATEST\nEND RequestId: 6f7f\n");
        written.AppendTo(log, status);
        log.Append('\n');

        var read = InvocationReport.Parse(log.ToString());

        Assert.NotNull(read);
        Assert.Equal(written, read);
        Assert.Equal(TimeSpan.FromMilliseconds(13), read.BilledDuration);
        Assert.Equal(initMs is not null, read.IsColdStart);
    }
}
