using System.Net;
using System.Text;
using System.Text.Json;
using WarmKeeper.Testing;

namespace WarmKeeper.LocalRuntime.Tests.Hosting;

/// <summary>
/// Every operation of Lambda's service model (the botocore copy the AWS CLI ships) sent to the local
/// runtime over HTTP, with its method and path: the operations served answer in Lambda's shape, and
/// every other one answers as Lambda answers an operation it does not know (404
/// UnknownOperationException), never a 5xx, never ASP.NET's bare 405.
/// </summary>
public sealed class LambdaApiEndpointsServiceModelTests
{
    private const string ServiceModelPath = "/usr/lib/python3/dist-packages/awscli/botocore/data/lambda/2015-03-31/service-2.json";
    private const string FunctionArn = "arn:aws:lambda:us-east-1:000000000000:function:hello";

    /// <summary>The operations the local runtime serves; the service model has more.</summary>
    private static readonly HashSet<string> Served = new(StringComparer.Ordinal)
    {
        "Invoke", "ListFunctions", "GetFunction", "GetFunctionConfiguration", "ListVersionsByFunction", "ListAliases", "GetAlias",
        "GetAccountSettings", "PutFunctionConcurrency", "DeleteFunctionConcurrency", "GetFunctionConcurrency",
        "PutProvisionedConcurrencyConfig", "GetProvisionedConcurrencyConfig", "DeleteProvisionedConcurrencyConfig", "ListProvisionedConcurrencyConfigs",
        "ListTags", "TagResource", "UntagResource",
    };

    /// <summary>Values for the path labels: names of things that exist where the runtime has them.</summary>
    private static readonly Dictionary<string, string> Labels = new(StringComparer.Ordinal)
    {
        ["FunctionName"] = "hello",
        ["Name"] = "live",
        ["ARN"] = FunctionArn,
        ["LayerName"] = "my-layer",
        ["VersionNumber"] = "1",
        ["StatementId"] = "statement-1",
        ["UUID"] = "14e0db71-5d35-4eb5-b481-8945cf9d10c2",
        ["CodeSigningConfigArn"] = "arn:aws:lambda:us-east-1:000000000000:code-signing-config:csc-0123456789abcdef0",
    };

    [SkippableFact]
    public async Task Every_operation_of_the_service_model_answers_in_lambdas_shape_and_never_with_a_5xx()
    {
        RequireAll.SkipUnless(File.Exists(ServiceModelPath), "Lambda's service model (Debian package awscli) is not installed at " + ServiceModelPath + ".");
        using var model = JsonDocument.Parse(await File.ReadAllTextAsync(ServiceModelPath));
        await using var rt = await TestRuntime.StartAsync();

        var operations = model.RootElement.GetProperty("operations").EnumerateObject().ToList();
        Assert.True(operations.Count >= 60, "the service model lists " + operations.Count + " operations");
        Assert.Empty(Served.Except(operations.Select(o => o.Name)));
        var failures = new List<string>();
        foreach (var operation in operations)
        {
            var http = operation.Value.GetProperty("http");
            var method = http.GetProperty("method").GetString()!;
            var path = FillLabels(http.GetProperty("requestUri").GetString()!);
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method is "POST" or "PUT")
            {
                request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            }

            using var response = await rt.Http.SendAsync(request);
            var problem = await ProblemAsync(operation.Name, response, Served.Contains(operation.Name));
            if (problem is not null)
            {
                failures.Add(operation.Name + " " + method + " " + path + ": " + problem);
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData("PATCH", "/2015-03-31/functions/hello")]
    [InlineData("DELETE", "/2015-03-31/functions/hello/configuration")]
    [InlineData("PUT", "/2017-03-31/tags/" + FunctionArn)]
    [InlineData("GET", "/2015-03-31/functions/hello/invocations")]
    [InlineData("POST", "/2016-08-19/account-settings/")]
    [InlineData("DELETE", "/2015-03-31/functions/my.function")]
    [InlineData("GET", "/favicon.ico")]
    [InlineData("GET", "/")]
    public async Task A_known_path_with_another_method_or_an_unknown_path_is_an_unknown_operation(string method, string path)
    {
        await using var rt = await TestRuntime.StartAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);

        using var response = await rt.Http.SendAsync(request);

        var error = await HttpAssert.ErrorAsync(response, 404, "UnknownOperationException");
        Assert.Contains(method, HttpAssert.Message(error), StringComparison.Ordinal);
        Assert.Equal("User", error.GetProperty("Type").GetString());
    }

    private static string FillLabels(string requestUri)
    {
        var builder = new StringBuilder(requestUri.Length + 64);
        var i = 0;
        while (i < requestUri.Length)
        {
            var open = requestUri.IndexOf('{', i);
            if (open < 0)
            {
                builder.Append(requestUri, i, requestUri.Length - i);
                break;
            }

            var close = requestUri.IndexOf('}', open);
            var label = requestUri[(open + 1)..close].TrimEnd('+');
            builder.Append(requestUri, i, open - i).Append(Uri.EscapeDataString(Labels[label]));
            i = close + 1;
        }

        return builder.ToString();
    }

    /// <summary>What is wrong with the answer, or null: no 5xx; errors with x-amzn-ErrorType and a JSON body with Type and a message; unserved operations unknown.</summary>
    private static async Task<string?> ProblemAsync(string operation, HttpResponseMessage response, bool served)
    {
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync();
        if (status >= 500)
        {
            return "answered " + status + ": " + body;
        }

        if (!response.Headers.Contains("x-amzn-RequestId"))
        {
            return "no x-amzn-RequestId";
        }

        if (served && status < 400)
        {
            return null;
        }

        if (!response.Headers.TryGetValues("x-amzn-ErrorType", out var types))
        {
            return "error " + status + " without x-amzn-ErrorType: " + body;
        }

        var errorType = types.Single();
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (!root.TryGetProperty("Type", out var type) || type.GetString() is not ("User" or "Service"))
            {
                return "error body without Type: " + body;
            }

            if (!(root.TryGetProperty("message", out var message) || root.TryGetProperty("Message", out message)) || string.IsNullOrEmpty(message.GetString()))
            {
                return "error body without a message: " + body;
            }
        }
        catch (JsonException)
        {
            return "error body is not JSON: " + body;
        }

        if (!served && (status != 404 || errorType != "UnknownOperationException"))
        {
            return operation + " is not served, yet answered " + status + " " + errorType + ": " + body;
        }

        return served && errorType == "UnknownOperationException" ? operation + " is served, yet answered UnknownOperationException" : null;
    }
}
