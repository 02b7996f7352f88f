using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using WarmKeeper.Agent.Events;
using WarmKeeper.Agent.Scaling;
using WarmKeeper.Agent.Security;
using WarmKeeper.Agent.Targets;
using WarmKeeper.Core.Demand;
using WarmKeeper.Core.Validation;
using WarmKeeper.Lambda;

namespace WarmKeeper.Agent.Api;

/// <summary>By-hand concurrency settings of one function.</summary>
internal static class ConcurrencyControlApi
{
    public static IEndpointRouteBuilder MapConcurrencyControlApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1/functions/{target}/{name}").WithTags("functions")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .RequireAuthorization(SecurityServiceCollectionExtensions.ReadPolicy);
        group.MapPut("/reserved-concurrency", PutReservedAsync).WithName("PutReservedConcurrency")
            .WithSummary("Sets reserved concurrency by hand (body {\"value\": n}); refused if it would break the account's unreserved floor.")
            .RequireJsonBody()
            .RequireAuthorization(SecurityServiceCollectionExtensions.WritePolicy);
        group.MapDelete("/reserved-concurrency", DeleteReservedAsync).WithName("DeleteReservedConcurrency")
            .WithSummary("Removes the function's reserved concurrency.").RequireAuthorization(SecurityServiceCollectionExtensions.WritePolicy);
        group.MapPut("/provisioned-concurrency", PutProvisionedAsync).WithName("PutProvisionedConcurrency")
            .WithSummary("Sets provisioned concurrency by hand (body {\"qualifier\": \"live\", \"value\": n}); pauses the policy covering it.")
            .RequireJsonBody()
            .RequireAuthorization(SecurityServiceCollectionExtensions.WritePolicy);
        return endpoints;
    }

    private static async Task<Results<Ok<JsonObject>, ValidationProblem, ProblemHttpResult>> PutReservedAsync(
        string target, string name, HttpRequest request, ILambdaTargets targets, EventLog events, HttpContext context,
        IConfiguration configuration, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        PolicyIdentityRules.ValidateFunctionName(errors, "name", name);
        var json = await JsonFieldReader.ReadAsync(request, errors, cancellationToken);
        var value = json?.Int("value", required: true);
        json?.RejectUnknownFields();
        if (value is < 0)
        {
            errors.Add("value", "value must be 0 or more.");
        }

        if (!targets.TryGet(target, out var lambda))
        {
            errors.Add("target", $"Unknown target '{target}'.");
        }

        if (!errors.IsValid || value is null)
        {
            return ApiResults.Invalid(errors);
        }

        try
        {
            var before = (await lambda.GetFunctionConcurrencyAsync(name, cancellationToken)).ReservedConcurrentExecutions;
            var account = await lambda.GetAccountSettingsAsync(cancellationToken);
            var floor = configuration.GetValue($"{ScalingOptions.SectionName}:UnreservedFloor", Core.Scaling.ScalingDefaults.UnreservedFloor);
            var unreservedAfter = account.AccountLimit.UnreservedConcurrentExecutions + (before ?? 0) - value.Value;
            if (unreservedAfter < floor)
            {
                errors.Add("value", $"Reserving {value} would leave {unreservedAfter} unreserved, below the account's floor of {floor} (unreserved now: {account.AccountLimit.UnreservedConcurrentExecutions}).");
                return ApiResults.Invalid(errors);
            }

            var after = await lambda.PutFunctionConcurrencyAsync(name, value.Value, cancellationToken);
            await events.AppendAsync(new NewEvent(EventKinds.ConfigurationChange, Actors.Of(context),
                $"Reserved concurrency of {name} set by hand: {before?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} → {after.ReservedConcurrentExecutions}.",
                new JsonObject { ["resource"] = "reserved-concurrency", ["byHand"] = true, ["before"] = before, ["after"] = after.ReservedConcurrentExecutions, ["unreservedBefore"] = account.AccountLimit.UnreservedConcurrentExecutions },
                target, name), cancellationToken);
            return TypedResults.Ok(new JsonObject { ["reservedConcurrency"] = after.ReservedConcurrentExecutions });
        }
        catch (LambdaResourceNotFoundException)
        {
            return ApiResults.NotFound($"Function '{name}' on target '{target}'");
        }
        catch (LambdaInvalidParameterException e)
        {
            errors.Add("value", e.Message);
            return ApiResults.Invalid(errors);
        }
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteReservedAsync(
        string target, string name, ILambdaTargets targets, EventLog events, HttpContext context, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        PolicyIdentityRules.ValidateFunctionName(errors, "name", name);
        if (!errors.IsValid)
        {
            return ApiResults.Invalid(errors);
        }

        if (!targets.TryGet(target, out var lambda))
        {
            return ApiResults.NotFound($"Target '{target}'");
        }

        try
        {
            var before = (await lambda.GetFunctionConcurrencyAsync(name, cancellationToken)).ReservedConcurrentExecutions;
            await lambda.DeleteFunctionConcurrencyAsync(name, cancellationToken);
            await events.AppendAsync(new NewEvent(EventKinds.ConfigurationChange, Actors.Of(context),
                $"Reserved concurrency of {name} removed by hand (was {before?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}).",
                new JsonObject { ["resource"] = "reserved-concurrency", ["byHand"] = true, ["before"] = before, ["after"] = null },
                target, name), cancellationToken);
            return TypedResults.NoContent();
        }
        catch (LambdaResourceNotFoundException)
        {
            return ApiResults.NotFound($"Function '{name}' on target '{target}'");
        }
    }

    private static async Task<Results<Ok<JsonObject>, ValidationProblem, ProblemHttpResult>> PutProvisionedAsync(
        string target, string name, HttpRequest request, ILambdaTargets targets, ConcurrencyPolicyStore policies, EventLog events,
        HttpContext context, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        PolicyIdentityRules.ValidateFunctionName(errors, "name", name);
        var json = await JsonFieldReader.ReadAsync(request, errors, cancellationToken);
        var qualifier = json?.String("qualifier", required: true);
        var value = json?.Int("value", required: true);
        json?.RejectUnknownFields();
        if (value is < 0)
        {
            errors.Add("value", "value must be 0 or more.");
        }

        if (qualifier is not null)
        {
            PolicyIdentityRules.ValidateQualifier(errors, "qualifier", qualifier);
        }

        if (qualifier == "$LATEST")
        {
            errors.Add("qualifier", "Provisioned concurrency cannot be applied to $LATEST.");
        }

        if (!targets.TryGet(target, out var lambda))
        {
            errors.Add("target", $"Unknown target '{target}'.");
        }

        if (!errors.IsValid || value is null || qualifier is null)
        {
            return ApiResults.Invalid(errors);
        }

        try
        {
            if (value > 0)
            {
                await lambda.PutProvisionedConcurrencyConfigAsync(name, qualifier, value.Value, cancellationToken);
            }
            else
            {
                await lambda.DeleteProvisionedConcurrencyConfigAsync(name, qualifier, cancellationToken);
            }
        }
        catch (ProvisionedConcurrencyConfigNotFoundException) when (value == 0)
        {
            // None configured is what 0 asks for: the desired state holds, so setting 0 again is safe.
        }
        catch (LambdaResourceNotFoundException)
        {
            return ApiResults.NotFound($"Function '{name}:{qualifier}' on target '{target}'");
        }
        catch (LambdaInvalidParameterException e)
        {
            errors.Add("value", e.Message);
            return ApiResults.Invalid(errors);
        }

        // A person took over: the policy must not undo it on its next tick.
        var paused = await policies.FindAsync(target, name, qualifier, cancellationToken);
        if (paused is { Value.Paused: false })
        {
            await policies.UpdateAsync(paused.Value with { Paused = true }, null, cancellationToken);
        }

        await events.AppendAsync(new NewEvent(Events.EventKinds.ScalingDecision, Actors.Of(context),
            $"{name}:{qualifier} provisioned concurrency set by hand to {value}" + (paused is null ? "." : $"; policy {paused.Value.Id} paused."),
            new JsonObject
            {
                ["current"] = null, ["desired"] = value, ["applied"] = true, ["dryRun"] = false, ["byHand"] = true,
                ["reason"] = "set by hand through the API", ["pausedPolicy"] = paused?.Value.Id,
            },
            target, name, qualifier, paused?.Value.Id), cancellationToken);
        return TypedResults.Ok(new JsonObject { ["qualifier"] = qualifier, ["provisionedConcurrency"] = value, ["pausedPolicy"] = paused?.Value.Id });
    }
}
