using System.Globalization;
using System.Text;

namespace WarmKeeper.Core.Simulation.Synthetic;

/// <summary>
/// Saves a <see cref="DemandTrace"/> as a trace folder in the format <see cref="TraceReader"/> reads
/// (<c>functions.csv</c>, <c>invocations.csv</c>, LF line ends, no quoting), so that a generated trace can be replayed
/// with <c>warmkeeper simulate --trace DIR</c>.
/// </summary>
public static class TraceWriter
{
    /// <summary>Writes <paramref name="trace"/> into <paramref name="folder"/>, creating it; existing trace files are replaced.</summary>
    /// <exception cref="ArgumentException">A function's name cannot be written unquoted (a comma, a line break, surrounding spaces).</exception>
    public static void Write(DemandTrace trace, string folder)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        foreach (var function in trace.Functions)
        {
            if (function.Name.AsSpan().IndexOfAny(",\r\n") >= 0 || function.Name.Trim().Length != function.Name.Length)
            {
                throw new ArgumentException($"Function '{function.Name}' cannot be written to a CSV field without quoting, which the format does not have.", nameof(trace));
            }
        }

        Directory.CreateDirectory(folder);
        using (var functions = Open(Path.Combine(folder, TraceReader.FunctionsFileName)))
        {
            functions.Write("function,memory_mb,init_ms\n");
            foreach (var function in trace.Functions)
            {
                functions.Write(string.Create(CultureInfo.InvariantCulture, $"{function.Name},{function.MemoryMb},{function.InitMs}\n"));
            }
        }

        using var invocations = Open(Path.Combine(folder, TraceReader.InvocationsFileName));
        invocations.Write("t_ms,function,duration_ms\n");
        Span<char> row = stackalloc char[64];
        foreach (var invocation in trace.Invocations)
        {
            // Formatting into a span keeps a 500k-row file from allocating a string a row.
            invocation.TimeMs.TryFormat(row, out var time, provider: CultureInfo.InvariantCulture);
            invocations.Write(row[..time]);
            invocations.Write(',');
            invocations.Write(trace.Functions[invocation.FunctionIndex].Name);
            invocations.Write(',');
            invocation.DurationMs.TryFormat(row, out var duration, provider: CultureInfo.InvariantCulture);
            invocations.Write(row[..duration]);
            invocations.Write('\n');
        }
    }

    private static StreamWriter Open(string path) => new(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 1 << 16);
}
