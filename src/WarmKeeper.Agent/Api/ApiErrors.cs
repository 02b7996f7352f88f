using Microsoft.AspNetCore.Diagnostics;
using WarmKeeper.Core.Validation;

namespace WarmKeeper.Agent.Api;

/// <summary>
/// How the API answers what goes wrong before or around a handler: every 4xx is RFC 9457 problem
/// details (a 404 of an unknown path and a 405 too), a body over the size limit is a 413 naming
/// <c>body</c>, a body that is not JSON is a 415 naming <c>Content-Type</c>.
/// </summary>
internal static class ApiErrors
{
    public static IServiceCollection AddWarmKeeperApi(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddExceptionHandler<TargetUnavailableExceptionHandler>();
        services.AddOpenApi(o => o.AddOperationTransformer((operation, _, _) =>
        {
            // Kestrel (a body over the size limit) and routing (a body of a type the endpoint does not accept) answer
            // before a handler runs: say so on every operation taking a body.
            if (operation.RequestBody is not null)
            {
                operation.Responses ??= [];
                operation.Responses.TryAdd("413", new Microsoft.OpenApi.OpenApiResponse { Description = "The body is larger than the agent accepts (problem details naming body)." });
                operation.Responses.TryAdd("415", new Microsoft.OpenApi.OpenApiResponse { Description = "The body is not application/json (problem details naming Content-Type)." });
            }

            return Task.CompletedTask;
        }));
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull);
        return services;
    }

    /// <summary>Exceptions as problem details; on the API, an empty error answer (a 404 or 405 of routing) too.</summary>
    public static IApplicationBuilder UseWarmKeeperApiErrors(this IApplicationBuilder app)
    {
        app.UseExceptionHandler();
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal), api => api.UseStatusCodePages(WriteEmptyErrorAsync));
        return app;
    }

    /// <summary>
    /// Refuses a body that is not declared JSON with 415 naming <c>Content-Type</c>, before the handler
    /// reads it. Routing already refuses a body of another declared type (through the endpoint's
    /// Accepts); this catches a body with no Content-Type at all. No body at all is the handler's to judge.
    /// </summary>
    public static RouteHandlerBuilder RequireJsonBody(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter(async (context, next) =>
            {
                var request = context.HttpContext.Request;
                return !HasBody(request) || request.HasJsonContentType()
                    ? await next(context)
                    : ApiResults.Invalid(ContentTypeErrors(request), StatusCodes.Status415UnsupportedMediaType);
            })
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

    /// <summary>An error answer with no body yet (routing's 404, 405, 415): problem details, naming Content-Type on a 415.</summary>
    private static async Task WriteEmptyErrorAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var details = http.Response.StatusCode == StatusCodes.Status415UnsupportedMediaType
            ? new HttpValidationProblemDetails(ContentTypeErrors(http.Request).ToDictionary())
            : new Microsoft.AspNetCore.Mvc.ProblemDetails();
        details.Status = http.Response.StatusCode;
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = details });
    }

    private static ValidationErrors ContentTypeErrors(HttpRequest request)
    {
        var errors = new ValidationErrors();
        errors.Add("Content-Type", string.IsNullOrEmpty(request.ContentType)
            ? "The body needs Content-Type: application/json."
            : $"The body must be application/json, not {request.ContentType}.");
        return errors;
    }

    public static bool HasBody(HttpRequest request) => request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0;
}

/// <summary>
/// Kestrel's and routing's refusals (a body over the size limit, a malformed request) are the client's
/// doing: answer with their status as problem details instead of a 500.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad || httpContext.Response.HasStarted)
        {
            return false;
        }

        httpContext.Response.StatusCode = bad.StatusCode;
        var details = new HttpValidationProblemDetails(new Dictionary<string, string[]>
        {
            ["body"] = [bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The body is larger than this endpoint accepts." : bad.Message],
        })
        {
            Status = bad.StatusCode,
            Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is too large." : "The request is malformed.",
        };
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, Exception = exception, ProblemDetails = details });
    }
}
