using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using WarmKeeper.Lambda.Hosting;
using WarmKeeper.Lambda.Wire;
using WarmKeeper.LocalRuntime.Engine;

namespace WarmKeeper.LocalRuntime.Hosting;

/// <summary>
/// The Lambda REST API over <see cref="LocalLambdaEngine"/>. Plain request delegates that read the
/// body themselves: no model binding on the invoke path, which is benchmarked against bare ASP.NET.
/// </summary>
internal static class LambdaApiEndpoints
{
    private const string JsonContentType = "application/json";

    public static void MapLambdaApi(this IEndpointRouteBuilder app, LocalLambdaEngine engine)
    {
        app.MapPost("/2015-03-31/functions/{FunctionName}/invocations", ctx => InvokeAsync(ctx, engine));

        app.MapGet("/2015-03-31/functions/", ctx => AnswerAsync(ctx, LambdaJsonContext.Default.ListFunctionsResponse,
            static (c, e) => e.ListFunctions(Query(c, "FunctionVersion"), Query(c, "Marker"), MaxItems(c)), engine));
        app.MapGet("/2015-03-31/functions/{FunctionName}", ctx => AnswerAsync(ctx, LambdaJsonContext.Default.GetFunctionResponse,
            static (c, e) => e.GetFunction(FunctionName(c), Query(c, "Qualifier")), engine));
        app.MapGet("/2015-03-31/functions/{FunctionName}/configuration", ctx => AnswerAsync(ctx, LambdaJsonContext.Default.FunctionConfiguration,
            static (c, e) => e.GetFunctionConfiguration(FunctionName(c), Query(c, "Qualifier")), engine));
        app.MapGet("/2015-03-31/functions/{FunctionName}/versions", ctx => AnswerAsync(ctx, LambdaJsonContext.Default.ListVersionsByFunctionResponse,
            static (c, e) => e.ListVersionsByFunction(FunctionName(c), Query(c, "Marker"), MaxItems(c)), engine));
        app.MapGet("/2015-03-31/functions/{FunctionName}/aliases", ctx => AnswerAsync(ctx, LambdaJsonContext.Default.ListAliasesResponse,
            static (c, e) => e.ListAliases(FunctionName(c), Query(c, "FunctionVersion"), Query(c, "Marker"), MaxItems(c)), engine));
        app.MapGet("/2015-03-31/functions/{FunctionName}/aliases/{Name}", ctx => AnswerAsync(ctx, LambdaJsonContext.Default.AliasConfiguration,
            static (c, e) => e.GetAlias(FunctionName(c), (string)c.Request.RouteValues["Name"]!), engine));
        app.MapGet("/2016-08-19/account-settings/", ctx => AnswerAsync(ctx, LambdaJsonContext.Default.GetAccountSettingsResponse,
            static (_, e) => e.GetAccountSettings(), engine));

        app.MapPut("/2017-10-31/functions/{FunctionName}/concurrency", ctx => PutFunctionConcurrencyAsync(ctx, engine));
        app.MapDelete("/2017-10-31/functions/{FunctionName}/concurrency", ctx => NoContentAsync(ctx,
            static (c, e) => e.DeleteFunctionConcurrency(FunctionName(c)), engine));
        app.MapGet("/2019-09-30/functions/{FunctionName}/concurrency", ctx => AnswerAsync(ctx, LambdaJsonContext.Default.GetFunctionConcurrencyResponse,
            static (c, e) => e.GetFunctionConcurrency(FunctionName(c)), engine));

        app.MapPut("/2019-09-30/functions/{FunctionName}/provisioned-concurrency", ctx => PutProvisionedConcurrencyAsync(ctx, engine));
        app.MapGet("/2019-09-30/functions/{FunctionName}/provisioned-concurrency", ctx =>
            string.Equals(Query(ctx, "List"), "ALL", StringComparison.Ordinal)
                ? AnswerAsync(ctx, LambdaJsonContext.Default.ListProvisionedConcurrencyConfigsResponse,
                    static (c, e) => e.ListProvisionedConcurrencyConfigs(FunctionName(c), Query(c, "Marker"), MaxItems(c)), engine)
                : AnswerAsync(ctx, LambdaJsonContext.Default.ProvisionedConcurrencyConfig,
                    static (c, e) => e.GetProvisionedConcurrencyConfig(FunctionName(c), Query(c, "Qualifier")), engine));
        app.MapDelete("/2019-09-30/functions/{FunctionName}/provisioned-concurrency", ctx => NoContentAsync(ctx,
            static (c, e) => e.DeleteProvisionedConcurrencyConfig(FunctionName(c), Query(c, "Qualifier")), engine));

        app.MapGet("/2017-03-31/tags/{ARN}", ctx => AnswerAsync(ctx, LambdaJsonContext.Default.ListTagsResponse,
            static (c, e) => e.ListTags(Arn(c)), engine));
        app.MapPost("/2017-03-31/tags/{ARN}", ctx => TagResourceAsync(ctx, engine));
        app.MapDelete("/2017-03-31/tags/{ARN}", ctx => NoContentAsync(ctx,
            static (c, e) => e.UntagResource(Arn(c), TagKeys(c)), engine));

        // Every other path and method, file-like paths included (the default fallback skips those
        // and a known path with another method would get ASP.NET's bare 405): Lambda's unknown operation.
        app.MapFallback("{**path}", static ctx => LambdaListener.UnknownOperationAsync(ctx));
    }

    private static async Task InvokeAsync(HttpContext ctx, LocalLambdaEngine engine)
    {
        var request = ctx.Request;
        var headers = request.Headers;
        string? invocationType = headers[LambdaHeaders.InvocationType];
        var isEvent = string.Equals(invocationType, InvocationTypes.Event, StringComparison.Ordinal);
        var limit = isEvent ? LambdaLimits.AsyncPayloadBytes : LambdaLimits.SyncPayloadBytes;
        using var body = await LambdaRequestBody.ReadAsync(request, limit, ArrayPool<byte>.Shared, ctx.RequestAborted);
        if (body.IsTooLarge)
        {
            await WriteErrorAsync(ctx, LambdaApiError.RequestTooLarge(limit, isEvent));
            return;
        }

        string? logType = headers[LambdaHeaders.LogType];
        var invoke = new LocalInvokeRequest(
            FunctionName(ctx),
            Query(ctx, "Qualifier"),
            invocationType,
            body.Memory,
            string.Equals(logType, "Tail", StringComparison.Ordinal),
            headers[LambdaHeaders.ClientContext],
            ctx.TraceIdentifier,
            headers[WarmKeeperHeaders.Ping]);
        var result = await engine.InvokeAsync(invoke, ctx.RequestAborted);
        await WriteInvokeResultAsync(ctx, result);
    }

    private static async Task WriteInvokeResultAsync(HttpContext ctx, LocalInvokeResult result)
    {
        if (result.Error is { } error)
        {
            await WriteErrorAsync(ctx, error);
            return;
        }

        // The request id header is stamped on every answer by the listener; executed version only on 200, as Lambda does.
        var executedVersion = result.StatusCode == StatusCodes.Status200OK ? result.ExecutedVersion : null;
        await InvokeResponseWriter.WriteAsync(
            ctx.Response,
            new InvokeResponseHead(result.StatusCode, null, executedVersion, result.FunctionError, result.LogResult, result.EnvironmentId),
            result.Payload,
            ctx.RequestAborted);
    }

    private static async Task TagResourceAsync(HttpContext ctx, LocalLambdaEngine engine)
    {
        var body = await ReadJsonBodyAsync(ctx, LambdaJsonContext.Default.TagResourceRequest, "Tags must be an object of strings");
        if (body.Error is not null)
        {
            await WriteErrorAsync(ctx, body.Error);
            return;
        }

        await NoContentAsync(ctx, (c, e) => e.TagResource(Arn(c), body.Value?.Tags), engine);
    }

    private static async Task PutFunctionConcurrencyAsync(HttpContext ctx, LocalLambdaEngine engine)
    {
        var body = await ReadJsonBodyAsync(ctx, LambdaJsonContext.Default.PutFunctionConcurrencyRequest, "ReservedConcurrentExecutions must be an integer");
        if (body.Error is not null)
        {
            await WriteErrorAsync(ctx, body.Error);
            return;
        }

        await AnswerAsync(ctx, LambdaJsonContext.Default.Concurrency,
            (c, e) => e.PutFunctionConcurrency(FunctionName(c), body.Value?.ReservedConcurrentExecutions), engine);
    }

    private static async Task PutProvisionedConcurrencyAsync(HttpContext ctx, LocalLambdaEngine engine)
    {
        var body = await ReadJsonBodyAsync(ctx, LambdaJsonContext.Default.PutProvisionedConcurrencyConfigRequest, "ProvisionedConcurrentExecutions must be an integer");
        if (body.Error is not null)
        {
            await WriteErrorAsync(ctx, body.Error);
            return;
        }

        await AnswerAsync(ctx, LambdaJsonContext.Default.ProvisionedConcurrencyConfig,
            (c, e) => e.PutProvisionedConcurrencyConfig(FunctionName(c), Query(c, "Qualifier"), body.Value?.ProvisionedConcurrentExecutions),
            engine, StatusCodes.Status202Accepted);
    }

    private readonly record struct JsonBody<T>(T? Value, LambdaApiError? Error);

    /// <param name="expectation">What the body's field must be, said in the error when it does not parse.</param>
    private static async Task<JsonBody<T>> ReadJsonBodyAsync<T>(HttpContext ctx, JsonTypeInfo<T> type, string expectation)
    {
        try
        {
            if (ctx.Request.ContentLength == 0)
            {
                return new JsonBody<T>(default, null);
            }

            var value = await JsonSerializer.DeserializeAsync(ctx.Request.Body, type, ctx.RequestAborted);
            return new JsonBody<T>(value, null);
        }
        catch (JsonException ex)
        {
            var where = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "the request body" : ex.Path.TrimStart('$', '.');
            return new JsonBody<T>(default, new LambdaApiError(400, LambdaErrorTypes.InvalidRequestContent,
                "Could not parse request body into json: " + where + " is not valid (" + expectation + "): " + ex.Message));
        }
    }

    private static async Task AnswerAsync<T>(HttpContext ctx, JsonTypeInfo<T> type, Func<HttpContext, LocalLambdaEngine, T> operation, LocalLambdaEngine engine, int status = StatusCodes.Status200OK)
    {
        T value;
        try
        {
            value = operation(ctx, engine);
        }
        catch (LambdaApiException ex)
        {
            await WriteErrorAsync(ctx, ex.Error);
            return;
        }

        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = JsonContentType;
        await JsonSerializer.SerializeAsync(ctx.Response.Body, value, type, ctx.RequestAborted);
    }

    private static async Task NoContentAsync(HttpContext ctx, Action<HttpContext, LocalLambdaEngine> operation, LocalLambdaEngine engine)
    {
        try
        {
            operation(ctx, engine);
        }
        catch (LambdaApiException ex)
        {
            await WriteErrorAsync(ctx, ex.Error);
            return;
        }

        ctx.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    internal static Task WriteErrorAsync(HttpContext ctx, LambdaApiError error) => LambdaErrorWriter.WriteAsync(ctx, error, ctx.RequestAborted);

    private static string FunctionName(HttpContext ctx) => (string)ctx.Request.RouteValues["FunctionName"]!;

    private static string Arn(HttpContext ctx) => (string)ctx.Request.RouteValues["ARN"]!;

    /// <summary>UntagResource's <c>tagKeys</c>, repeated once per key; null when absent.</summary>
    private static string[]? TagKeys(HttpContext ctx)
    {
        var values = ctx.Request.Query["tagKeys"];
        if (values.Count == 0)
        {
            return null;
        }

        var keys = new string[values.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = values[i] ?? string.Empty;
        }

        return keys;
    }

    private static string? Query(HttpContext ctx, string name)
    {
        if (!ctx.Request.QueryString.HasValue)
        {
            return null;
        }

        string? value = ctx.Request.Query[name];
        return string.IsNullOrEmpty(value) ? null : value;
    }

    private static int? MaxItems(HttpContext ctx)
    {
        var raw = Query(ctx, "MaxItems");
        if (raw is null)
        {
            return null;
        }

        return int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new LambdaApiException(LambdaApiError.InvalidParameter("MaxItems must be an integer between 1 and 10000, not '" + raw + "'."));
    }
}
