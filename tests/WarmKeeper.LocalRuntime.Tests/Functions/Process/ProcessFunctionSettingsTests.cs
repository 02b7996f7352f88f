using WarmKeeper.LocalRuntime.Engine;
using WarmKeeper.LocalRuntime.Hosting;

namespace WarmKeeper.LocalRuntime.Tests.Functions.Process;

/// <summary>A process function's HandlerName, Runtime and Environment: validated, and reported as GetFunction reports them.</summary>
public sealed class ProcessFunctionSettingsTests
{
    private static LocalFunctionOptions Process(Action<LocalFunctionOptions> configure)
    {
        var function = new LocalFunctionOptions { Handler = LocalHandlerKind.Process, Command = "node" };
        configure(function);
        return function;
    }

    [Fact]
    public void Bad_handler_runtime_and_reserved_variables_are_each_reported_with_their_path()
    {
        var options = new LocalRuntimeOptions();
        options.Functions["spaced"] = Process(f => f.HandlerName = "index handler");
        options.Functions["unknown-runtime"] = Process(f => { f.Runtime = "node20"; f.HandlerName = "index.handler"; });
        options.Functions["node-no-handler"] = Process(f => f.Runtime = "nodejs20.x");
        options.Functions["reserved"] = Process(f =>
        {
            f.Environment["AWS_REGION"] = "eu-west-1";
            f.Environment["_HANDLER"] = "x.y";
            f.Environment["MY_OWN"] = "fine";
        });

        var errors = LocalRuntimeOptionsValidator.Validate(options, "WarmKeeper:LocalRuntime");

        string[] expected =
        [
            "WarmKeeper:LocalRuntime:Functions:spaced:HandlerName must be 1 to 128 characters without spaces, such as index.handler.",
            "WarmKeeper:LocalRuntime:Functions:unknown-runtime:Runtime 'node20' is not a Lambda runtime identifier (such as nodejs20.x, python3.12, java21, dotnet8, ruby3.3, provided.al2023).",
            "WarmKeeper:LocalRuntime:Functions:node-no-handler:HandlerName is required for runtime nodejs20.x (the runtime client loads it, such as index.handler).",
            "WarmKeeper:LocalRuntime:Functions:reserved:Environment:AWS_REGION is reserved: Lambda sets it and a function's configuration may not.",
            "WarmKeeper:LocalRuntime:Functions:reserved:Environment:_HANDLER is reserved: Lambda sets it and a function's configuration may not.",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), errors.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task GetFunction_reports_the_handler_and_runtime_the_process_is_given()
    {
        var options = new LocalRuntimeOptions();
        options.Functions["node-fn"] = Process(f => { f.HandlerName = "src/app.handler"; f.Runtime = "nodejs20.x"; });
        options.Functions["custom"] = Process(f => f.Command = "/opt/fn/bootstrap");
        Assert.Empty(LocalRuntimeOptionsValidator.Validate(options, "WarmKeeper:LocalRuntime"));
        await using var engine = new LocalLambdaEngine(options, new global::WarmKeeper.LocalRuntime.Functions.FunctionHandlerFactory(null));
        var catalog = engine.Functions;

        var node = catalog.Single(f => f.Name == "node-fn").ToConfiguration("$LATEST", false, "us-east-1", "000000000000");
        var custom = catalog.Single(f => f.Name == "custom").ToConfiguration("$LATEST", false, "us-east-1", "000000000000");

        Assert.Equal("src/app.handler", node.Handler);
        Assert.Equal("nodejs20.x", node.Runtime);
        Assert.Equal("bootstrap", custom.Handler);
        Assert.Equal("provided.al2023", custom.Runtime);
    }
}
