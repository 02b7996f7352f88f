using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace WarmKeeper.LocalRuntime.Functions.Process;

/// <summary>
/// Creates execution environments for functions whose handler is <see cref="LocalHandlerKind.Process"/>:
/// each is a real OS process speaking the Lambda Runtime API to its own loopback listener.
/// </summary>
public sealed class ProcessFunctionHandlerFactory : IFunctionHandlerFactory
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _timeProvider;
    private readonly string _region;

    public ProcessFunctionHandlerFactory(ILoggerFactory loggerFactory, TimeProvider timeProvider)
        : this(loggerFactory, timeProvider, new LocalRuntimeOptions().Region)
    {
    }

    /// <summary>Takes the region (AWS_REGION of every process) from the runtime's options.</summary>
    public ProcessFunctionHandlerFactory(ILoggerFactory loggerFactory, TimeProvider timeProvider, IOptions<LocalRuntimeOptions> options)
        : this(loggerFactory, timeProvider, options.Value.Region)
    {
    }

    private ProcessFunctionHandlerFactory(ILoggerFactory loggerFactory, TimeProvider timeProvider, string region)
    {
        _loggerFactory = loggerFactory;
        _timeProvider = timeProvider;
        _region = region;
    }

    /// <summary>An on-demand environment of $LATEST (AWS_LAMBDA_INITIALIZATION_TYPE=on-demand).</summary>
    public IFunctionHandler Create(string functionName, LocalFunctionOptions function, string environmentId) =>
        Create(new FunctionEnvironmentSpec(functionName, function, environmentId));

    /// <summary>An environment; <paramref name="provisioned"/> sets AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency.</summary>
    public ProcessFunctionHandler Create(string functionName, LocalFunctionOptions function, string environmentId, bool provisioned) =>
        Create(new FunctionEnvironmentSpec(functionName, function, environmentId, Provisioned: provisioned));

    /// <summary>An environment as the engine describes it: version, provisioning, the runtime's address and credentials.</summary>
    public ProcessFunctionHandler Create(FunctionEnvironmentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrEmpty(spec.FunctionName);
        ArgumentNullException.ThrowIfNull(spec.Function);
        ArgumentException.ThrowIfNullOrEmpty(spec.EnvironmentId);
        return new ProcessFunctionHandler(new ProcessEnvironmentSettings(spec, _region), _loggerFactory, _timeProvider);
    }

    IFunctionHandler IFunctionHandlerFactory.Create(FunctionEnvironmentSpec spec) => Create(spec);

    /// <summary>
    /// Optional, at start-up: runs one request through a throw-away Runtime API listener so the first
    /// real cold start does not pay for compiling Kestrel's code paths (about 100 ms on a slow machine).
    /// </summary>
    public async Task PrimeAsync(CancellationToken cancellationToken)
    {
        await using var listener = await RuntimeApiListener.StartAsync(
            static context =>
            {
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                return Task.CompletedTask;
            },
            _loggerFactory,
            cancellationToken);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPEndPoint.Parse(listener.HostAndPort), cancellationToken);
        await socket.SendAsync("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: prime\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), cancellationToken);
        var buffer = new byte[256];
        _ = await socket.ReceiveAsync(buffer, cancellationToken);
    }
}
