using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using WarmKeeper.Agent.Scaling;
using WarmKeeper.Core.Demand;
using WarmKeeper.Lambda.Signing;
using WarmKeeper.LocalRuntime.Auth;
using WarmKeeper.LocalRuntime.Hosting;
using WarmKeeper.Testing;

namespace WarmKeeper.Agent.Tests.Scaling;

/// <summary>
/// Demand of a cloud function the agent does not front, read from CloudWatch GetMetricData: the
/// request is signed for the "monitoring" service and verified by a real HTTP endpoint speaking the
/// query protocol.
/// </summary>
public sealed class CloudWatchDemandTests
{
    [Fact]
    public async Task Cloud_demand_is_read_from_signed_GetMetricData_calls_and_feeds_the_recorder()
    {
        var verifier = new SigV4RequestVerifier("AKIDCW", "cw-secret", "us-east-1", TimeProvider.System, service: "monitoring");
        var requests = new List<Dictionary<string, string>>();
        await using var cloudWatch = await LoopbackServer.StartAsync(app => app.MapPost("/", async (HttpRequest request, CancellationToken ct) =>
        {
            var verdict = await verifier.VerifyAsync(request, ct);
            if (!verdict.IsAuthenticated)
            {
                return Results.Text($"<ErrorResponse><Error><Code>{verdict.ErrorType}</Code><Message>{verdict.Message}</Message></Error></ErrorResponse>", "text/xml", statusCode: 403);
            }

            var form = (await request.ReadFormAsync(ct)).ToDictionary(f => f.Key, f => f.Value.ToString());
            lock (requests)
            {
                requests.Add(form);
            }

            var end = DateTimeOffset.Parse(form["EndTime"], CultureInfo.InvariantCulture);
            var xml = new StringBuilder("<GetMetricDataResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\"><GetMetricDataResult><MetricDataResults>");
            for (var i = 1; form.TryGetValue($"MetricDataQueries.member.{i}.Id", out var id); i++)
            {
                var (a, b) = id[0] switch { 'c' => (3, 7), 'i' => (100, 200), _ => (0, 5) };
                xml.Append(CultureInfo.InvariantCulture, $"<member><Id>{id}</Id><StatusCode>Complete</StatusCode><Timestamps>")
                    .Append(CultureInfo.InvariantCulture, $"<member>{end.AddMinutes(-2):yyyy-MM-ddTHH:mm:ssZ}</member><member>{end.AddMinutes(-1):yyyy-MM-ddTHH:mm:ssZ}</member></Timestamps>")
                    .Append(CultureInfo.InvariantCulture, $"<Values><member>{a}</member><member>{b}</member></Values></member>");
            }

            xml.Append("</MetricDataResults></GetMetricDataResult></GetMetricDataResponse>");
            return Results.Text(xml.ToString(), "text/xml");
        }));
        var cloudWatchUrl = cloudWatch.BaseAddress;

        await using var lambda = await LocalRuntimeServer.StartAsync(new WarmKeeper.LocalRuntime.LocalRuntimeOptions
        {
            Url = "http://127.0.0.1:0",
            Functions = { ["orders"] = new() { Handler = WarmKeeper.LocalRuntime.LocalHandlerKind.Work, Versions = ["1"], Aliases = { ["live"] = "1" } } },
        });
        await using var agent = await AgentHost.StartAsync(null,
            "--WarmKeeper:LocalRuntime:Enabled=false",
            "--WarmKeeper:Targets:prod:Region=us-east-1",
            $"--WarmKeeper:Targets:prod:ServiceUrl={lambda.BaseAddress}",
            "--WarmKeeper:Targets:prod:AccessKeyId=AKIDCW",
            "--WarmKeeper:Targets:prod:SecretAccessKey=cw-secret",
            $"--WarmKeeper:CloudWatch:Endpoints:prod={cloudWatchUrl}",
            "--WarmKeeper:CloudWatch:Interval=01:00:00");
        var created = await agent.Client.PostAsync(new Uri("/api/v1/concurrency-policies", UriKind.Relative), new StringContent(
            """{"id":"cloud","target":"prod","function":"orders","qualifier":"live","min":0,"max":50,"dryRun":true}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var source = agent.Services.GetRequiredService<CloudWatchDemandSource>();
        var fed = await source.PollAsync(CancellationToken.None);
        var again = await source.PollAsync(CancellationToken.None);

        Assert.Equal(2, fed);
        Assert.Equal(0, again);
        var form = requests[^1];
        Assert.Equal("GetMetricData", form["Action"]);
        Assert.Equal("AWS/Lambda", form["MetricDataQueries.member.1.MetricStat.Metric.Namespace"]);
        Assert.Equal("ConcurrentExecutions", form["MetricDataQueries.member.1.MetricStat.Metric.MetricName"]);
        Assert.Equal("orders:live", form["MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.2.Value"]);

        var recorder = agent.Services.GetRequiredService<DemandRecorder>();
        var now = DateTimeOffset.UtcNow;
        var summary = recorder.Summarize(new DemandKey("prod", "orders", "live"), now - TimeSpan.FromMinutes(5), now);
        Assert.Equal(7, summary.MaxInFlight);
        Assert.Equal(300, summary.Arrivals);
        Assert.Equal(5, summary.Throttles);
    }
}
