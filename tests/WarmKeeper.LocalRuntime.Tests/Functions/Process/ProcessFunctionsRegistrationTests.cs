using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WarmKeeper.LocalRuntime.Functions;
using WarmKeeper.LocalRuntime.Functions.Process;
using WarmKeeper.LocalRuntime.Hosting;

namespace WarmKeeper.LocalRuntime.Tests.Functions.Process;

public sealed class ProcessFunctionsRegistrationTests
{
    [Fact]
    public async Task AddProcessFunctions_registers_the_factory_where_the_local_runtime_looks_and_it_uses_the_configured_region()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.Configure<LocalRuntimeOptions>(o => o.Region = "ap-south-2");
        services.AddProcessFunctions();
        await using var provider = services.BuildServiceProvider();

        var factory = provider.GetRequiredKeyedService<IFunctionHandlerFactory>(LocalRuntimeServiceCollectionExtensions.ProcessFunctionsKey);

        var processFactory = Assert.IsType<ProcessFunctionHandlerFactory>(factory);
        await using var handler = processFactory.Create("region-check", ProcessTestFunction.Options(), Guid.NewGuid().ToString(), provisioned: false);
        await handler.InitAsync(CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var result = await handler.InvokeAsync(ProcessTestFunction.Invocation("""{"env":["AWS_REGION"]}"""), timeout.Token);
        Assert.Equal("ap-south-2", ProcessTestFunction.Json(result).GetProperty("env").GetProperty("AWS_REGION").GetString());
        Assert.NotNull(provider.GetService<IOptions<LocalRuntimeOptions>>());
    }
}
