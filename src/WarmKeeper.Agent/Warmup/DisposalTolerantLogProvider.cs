using Hangfire.Logging;
using Hangfire.AspNetCore;

namespace WarmKeeper.Agent.Warmup;

/// <summary>
/// Hangfire's logging to the agent's <see cref="ILoggerFactory"/>, surviving that factory's disposal. Hangfire keeps its
/// log provider process-wide: with two agents in one process (the tests run several) the last one started owns it, and
/// once that one stopped, every job the others enqueued failed with <see cref="ObjectDisposedException"/> while
/// getting a logger. Now their Hangfire messages go quiet instead.
/// </summary>
internal sealed class DisposalTolerantLogProvider(ILoggerFactory loggerFactory) : ILogProvider
{
    private readonly AspNetCoreLogProvider _inner = new(loggerFactory);

    public ILog GetLogger(string name)
    {
        try
        {
            return new TolerantLog(_inner.GetLogger(name));
        }
        catch (ObjectDisposedException)
        {
            return SilentLog.Instance;
        }
    }

    private sealed class TolerantLog(ILog inner) : ILog
    {
        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string> messageFunc, Exception exception)
        {
            try
            {
                return inner.Log(logLevel, messageFunc, exception);
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }

    private sealed class SilentLog : ILog
    {
        public static readonly SilentLog Instance = new();

        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string> messageFunc, Exception exception) => false;
    }
}
