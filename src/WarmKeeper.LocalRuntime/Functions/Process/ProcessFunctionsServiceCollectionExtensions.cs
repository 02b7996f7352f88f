using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WarmKeeper.LocalRuntime.Hosting;

namespace WarmKeeper.LocalRuntime.Functions.Process;

public static class ProcessFunctionsServiceCollectionExtensions
{
    /// <summary>
    /// Lets the local runtime run <see cref="LocalHandlerKind.Process"/> functions: registers
    /// <see cref="ProcessFunctionHandlerFactory"/> under <see cref="LocalRuntimeServiceCollectionExtensions.ProcessFunctionsKey"/>,
    /// where <c>AddLocalRuntime</c> looks for it. Needs a <see cref="TimeProvider"/> and logging in the container.
    /// </summary>
    public static IServiceCollection AddProcessFunctions(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddKeyedSingleton<IFunctionHandlerFactory, ProcessFunctionHandlerFactory>(LocalRuntimeServiceCollectionExtensions.ProcessFunctionsKey);
        return services;
    }
}
