using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using WarmKeeper.Lambda.Signing;
using WarmKeeper.LocalRuntime.Auth;
using WarmKeeper.Testing;

namespace WarmKeeper.Lambda.Tests;

/// <summary>
/// A Kestrel app that runs <see cref="SigV4RequestVerifier"/> on every request and records the
/// verdict. Verified requests get small Lambda-shaped answers (an Invoke echoes its body, read
/// after verification, which proves the verifier left the body readable); refused ones get the
/// Lambda error document and status.
/// </summary>
internal sealed class VerifyingEndpoint : IAsyncDisposable
{
    private readonly LoopbackServer _server;

    private VerifyingEndpoint(LoopbackServer server) => _server = server;

    public Uri BaseAddress => _server.BaseAddress;

    public ConcurrentQueue<SigV4VerificationResult> Verdicts { get; } = new();

    public IReadOnlyCollection<RecordedRequest> Requests => _server.Requests;

    public static async Task<VerifyingEndpoint> StartAsync(SigV4RequestVerifier verifier)
    {
        VerifyingEndpoint? endpoint = null;
        var server = await LoopbackServer.StartAsync(async (context, _) =>
        {
            var verdict = await verifier.VerifyAsync(context.Request, context.RequestAborted);
            endpoint!.Verdicts.Enqueue(verdict);
            if (!verdict.IsAuthenticated)
            {
                await LambdaAnswers.Error(context, verdict.StatusCode, verdict.ErrorType!, verdict.Message!);
                return;
            }

            await AnswerAsync(context);
        });
        endpoint = new VerifyingEndpoint(server);
        return endpoint;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private static async Task AnswerAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        if (path.EndsWith("/invocations", StringComparison.Ordinal))
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            context.Response.Headers["X-Amz-Executed-Version"] = context.Request.Query["Qualifier"].ToString() is { Length: > 0 } q ? q : "$LATEST";
            await context.Response.Body.WriteAsync(body.ToArray(), context.RequestAborted);
            return;
        }

        if (path.StartsWith("/2016-08-19/account-settings", StringComparison.Ordinal))
        {
            await LambdaAnswers.Json(context, 200, LambdaAnswers.AccountSettings);
            return;
        }

        if (path == "/2015-03-31/functions/" || path == "/2015-03-31/functions")
        {
            await LambdaAnswers.Json(context, 200, """{"Functions":[]}""");
            return;
        }

        if (path.EndsWith("/versions", StringComparison.Ordinal))
        {
            await LambdaAnswers.Json(context, 200, """{"Versions":[]}""");
            return;
        }

        if (path.EndsWith("/aliases", StringComparison.Ordinal))
        {
            await LambdaAnswers.Json(context, 200, """{"Aliases":[]}""");
            return;
        }

        if (path.EndsWith("/provisioned-concurrency", StringComparison.Ordinal) && context.Request.Query.ContainsKey("List"))
        {
            await LambdaAnswers.Json(context, 200, """{"ProvisionedConcurrencyConfigs":[]}""");
            return;
        }

        if (HttpMethods.IsPut(context.Request.Method) && path.EndsWith("/provisioned-concurrency", StringComparison.Ordinal))
        {
            await LambdaAnswers.Json(context, 202, """{"RequestedProvisionedConcurrentExecutions":3,"AvailableProvisionedConcurrentExecutions":0,"AllocatedProvisionedConcurrentExecutions":0,"Status":"IN_PROGRESS"}""");
            return;
        }

        if (HttpMethods.IsPut(context.Request.Method) && path.EndsWith("/concurrency", StringComparison.Ordinal))
        {
            await LambdaAnswers.Json(context, 200, """{"ReservedConcurrentExecutions":5}""");
            return;
        }

        if (HttpMethods.IsDelete(context.Request.Method))
        {
            context.Response.StatusCode = 204;
            return;
        }

        if (path.StartsWith("/2015-03-31/functions/", StringComparison.Ordinal))
        {
            var name = Uri.UnescapeDataString(path["/2015-03-31/functions/".Length..].TrimEnd('/'));
            await LambdaAnswers.Json(context, 200, $$$"""
                {"Configuration":{"FunctionName":"{{{name}}}","FunctionArn":"arn:aws:lambda:us-east-1:000000000000:function:{{{name}}}","Version":"$LATEST","MemorySize":128,"Timeout":3}}
                """);
            return;
        }

        await LambdaAnswers.Json(context, 200, "{}");
    }
}
