using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Amazon.Runtime;
using Amazon.Util;

namespace WarmKeeper.Lambda.CloudWatch;

/// <summary>One metric series to fetch: a Lambda metric of one function (and qualifier), one statistic.</summary>
/// <param name="Id">Lowercase id the answer is matched by (CloudWatch requires ^[a-z][a-zA-Z0-9_]*$).</param>
/// <param name="MetricName">e.g. ConcurrentExecutions, Invocations, Throttles, ProvisionedConcurrencyUtilization.</param>
/// <param name="Stat">Maximum, Sum, Average.</param>
public sealed record MetricQuery(string Id, string FunctionName, string? Qualifier, string MetricName, string Stat, int PeriodSeconds = 60);

/// <summary>The datapoints of one query, oldest first.</summary>
public sealed record MetricSeries(string Id, IReadOnlyList<(DateTimeOffset Time, double Value)> Points, string StatusCode);

/// <summary>
/// CloudWatch GetMetricData (query protocol, SigV4 service <c>monitoring</c>) for the AWS/Lambda
/// namespace: demand of functions the agent does not front with its proxy. Signed by AWSSDK.Core
/// with the target's credentials, like the Lambda calls.
/// </summary>
public sealed class CloudWatchMetricsClient : IDisposable
{
    public const string SigningServiceName = "monitoring";
    private static readonly XNamespace Ns = "http://monitoring.amazonaws.com/doc/2010-08-01/";

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly ServiceRequestSigner _signer;

    /// <param name="options">The Lambda target whose region and credentials to use.</param>
    /// <param name="endpoint">Override of <c>https://monitoring.{region}.amazonaws.com/</c>.</param>
    public CloudWatchMetricsClient(LambdaTargetOptions options, Uri? endpoint = null, HttpClient? http = null, TimeProvider? timeProvider = null, AWSCredentials? credentials = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _signer = new ServiceRequestSigner(
            options, endpoint ?? new Uri($"https://monitoring.{options.Region}.amazonaws.com/", UriKind.Absolute), SigningServiceName, credentials, timeProvider ?? TimeProvider.System);
        _ownsHttp = http is null;
        _http = http ?? new HttpClient { Timeout = options.RequestTimeout };
    }

    public async Task<IReadOnlyList<MetricSeries>> GetMetricDataAsync(
        IReadOnlyList<MetricQuery> queries, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queries);
        var results = new Dictionary<string, List<(DateTimeOffset, double)>>(StringComparer.Ordinal);
        var statuses = new Dictionary<string, string>(StringComparer.Ordinal);
        string? nextToken = null;
        do
        {
            var form = Form(queries, start, end, nextToken);
            using var request = await CreateAsync(form, cancellationToken);
            using var response = await _http.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw ToException(response, body);
            }

            var result = XDocument.Parse(body).Root?.Element(Ns + "GetMetricDataResult")
                         ?? throw new LambdaServiceException("ServiceException", "GetMetricData answered without a result.", response.StatusCode, null);
            foreach (var member in result.Element(Ns + "MetricDataResults")?.Elements(Ns + "member") ?? [])
            {
                var id = (string?)member.Element(Ns + "Id") ?? "";
                var times = member.Element(Ns + "Timestamps")?.Elements(Ns + "member").Select(t => DateTimeOffset.Parse(t.Value, CultureInfo.InvariantCulture)).ToList() ?? [];
                var values = member.Element(Ns + "Values")?.Elements(Ns + "member").Select(v => double.Parse(v.Value, CultureInfo.InvariantCulture)).ToList() ?? [];
                if (!results.TryGetValue(id, out var points))
                {
                    results[id] = points = [];
                }

                points.AddRange(times.Zip(values));
                statuses[id] = (string?)member.Element(Ns + "StatusCode") ?? "Complete";
            }

            nextToken = (string?)result.Element(Ns + "NextToken");
        }
        while (!string.IsNullOrEmpty(nextToken));

        return queries.Select(q => new MetricSeries(
                q.Id,
                results.TryGetValue(q.Id, out var p) ? p.OrderBy(x => x.Item1).ToList() : [],
                statuses.GetValueOrDefault(q.Id, "Complete")))
            .ToList();
    }

    public void Dispose()
    {
        _signer.Dispose();
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    internal static List<KeyValuePair<string, string>> Form(IReadOnlyList<MetricQuery> queries, DateTimeOffset start, DateTimeOffset end, string? nextToken)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("Action", "GetMetricData"),
            new("Version", "2010-08-01"),
            new("StartTime", start.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)),
            new("EndTime", end.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)),
            new("ScanBy", "TimestampAscending"),
        };
        if (nextToken is not null)
        {
            form.Add(new("NextToken", nextToken));
        }

        for (var i = 0; i < queries.Count; i++)
        {
            var q = queries[i];
            var p = $"MetricDataQueries.member.{i + 1}.";
            form.Add(new(p + "Id", q.Id));
            form.Add(new(p + "MetricStat.Metric.Namespace", "AWS/Lambda"));
            form.Add(new(p + "MetricStat.Metric.MetricName", q.MetricName));
            form.Add(new(p + "MetricStat.Metric.Dimensions.member.1.Name", "FunctionName"));
            form.Add(new(p + "MetricStat.Metric.Dimensions.member.1.Value", q.FunctionName));
            if (q.Qualifier is not null)
            {
                form.Add(new(p + "MetricStat.Metric.Dimensions.member.2.Name", "Resource"));
                form.Add(new(p + "MetricStat.Metric.Dimensions.member.2.Value", $"{q.FunctionName}:{q.Qualifier}"));
            }

            form.Add(new(p + "MetricStat.Period", q.PeriodSeconds.ToString(CultureInfo.InvariantCulture)));
            form.Add(new(p + "MetricStat.Stat", q.Stat));
            form.Add(new(p + "ReturnData", "true"));
        }

        return form;
    }

    private Task<HttpRequestMessage> CreateAsync(List<KeyValuePair<string, string>> form, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(string.Join('&', form.Select(f => $"{AWSSDKUtils.UrlEncode(f.Key, false)}={AWSSDKUtils.UrlEncode(f.Value, false)}")));
        return _signer.CreatePostAsync(body, "application/x-www-form-urlencoded; charset=utf-8", [], cancellationToken);
    }

    private static LambdaServiceException ToException(HttpResponseMessage response, string body)
    {
        string type = "ServiceException", text = body;
        try
        {
            var error = XDocument.Parse(body).Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
            type = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value ?? type;
            text = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value ?? text;
        }
        catch (System.Xml.XmlException)
        {
            // Not XML: keep the raw text.
        }

        return new LambdaServiceException(type, $"CloudWatch GetMetricData failed: {text}", response.StatusCode, null);
    }
}
