using System.Globalization;
using System.Text;

namespace WarmKeeper.Core.Simulation;

/// <summary>
/// Reads a trace folder (<c>functions.csv</c> and <c>invocations.csv</c>) into a <see cref="DemandTrace"/>.
/// </summary>
/// <remarks>
/// The invocation file is parsed as UTF-8 bytes, line by line, with no string per row: the mixed trace has
/// 400k rows and is read in tens of milliseconds. Every bad row is reported (up to <see cref="MaxErrors"/>)
/// with its file, line and reason, so a user fixes a file in one pass instead of one error at a time.
/// Fields are plain: no quoting, no escaping; blank lines are ignored.
/// </remarks>
public static class TraceReader
{
    /// <summary>The file holding one row per function.</summary>
    public const string FunctionsFileName = "functions.csv";

    /// <summary>The file holding one row per invocation.</summary>
    public const string InvocationsFileName = "invocations.csv";

    /// <summary>Reading stops collecting after this many problems; a file this broken needs no longer list.</summary>
    public const int MaxErrors = 50;

    private static readonly string[] FunctionsHeader = ["function", "memory_mb", "init_ms"];
    private static readonly string[] InvocationsHeader = ["t_ms", "function", "duration_ms"];

    /// <summary>Reads the trace in <paramref name="folder"/>; its name is the folder's name.</summary>
    /// <exception cref="TraceFormatException">A file is missing or has bad rows; every problem is listed.</exception>
    public static DemandTrace Read(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
        var functionsPath = Path.Combine(folder, FunctionsFileName);
        var invocationsPath = Path.Combine(folder, InvocationsFileName);
        var missing = new List<TraceFormatError>();
        foreach (var path in new[] { functionsPath, invocationsPath })
        {
            if (!File.Exists(path))
            {
                missing.Add(new TraceFormatError(path, 0, "file not found"));
            }
        }

        if (missing.Count > 0)
        {
            throw new TraceFormatException(missing);
        }

        return Parse(name, functionsPath, File.ReadAllBytes(functionsPath), invocationsPath, File.ReadAllBytes(invocationsPath));
    }

    /// <summary>Parses a trace from the two files' contents; the paths only label errors.</summary>
    /// <exception cref="TraceFormatException">The contents have bad rows; every problem is listed.</exception>
    public static DemandTrace Parse(string name, string functionsPath, ReadOnlySpan<byte> functionsCsv, string invocationsPath, ReadOnlySpan<byte> invocationsCsv)
    {
        var errors = new List<TraceFormatError>();
        var functions = ParseFunctions(functionsPath, functionsCsv, errors);
        if (errors.Count > 0)
        {
            // Invocation rows would only repeat "unknown function" for every function the bad rows lost.
            throw new TraceFormatException(errors);
        }

        var invocations = ParseInvocations(invocationsPath, invocationsCsv, functions, errors);
        if (errors.Count > 0)
        {
            throw new TraceFormatException(errors);
        }

        return new DemandTrace(name, functions, invocations);
    }

    private static List<TraceFunction> ParseFunctions(string path, ReadOnlySpan<byte> csv, List<TraceFormatError> errors)
    {
        var functions = new List<TraceFunction>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var reader = new LineReader(csv);
        if (!ReadHeader(ref reader, path, FunctionsHeader, errors))
        {
            return functions;
        }

        while (reader.TryNext(out var line, out var lineNumber))
        {
            if (IsBlank(line))
            {
                continue;
            }

            if (errors.Count >= MaxErrors)
            {
                break;
            }

            if (!SplitThree(line, out var nameField, out var memoryField, out var initField))
            {
                errors.Add(new TraceFormatError(path, lineNumber, $"expected 3 fields (function,memory_mb,init_ms), found {CountFields(line)}"));
                continue;
            }

            var rowOk = true;
            var functionName = Encoding.UTF8.GetString(nameField.Trim((byte)' '));
            if (functionName.Length == 0)
            {
                errors.Add(new TraceFormatError(path, lineNumber, "function: empty name"));
                rowOk = false;
            }
            else if (seen.TryGetValue(functionName, out var firstLine))
            {
                errors.Add(new TraceFormatError(path, lineNumber, $"function: '{functionName}' is a duplicate of line {firstLine}"));
                rowOk = false;
            }

            if (!TryParseInteger(memoryField, out var memory))
            {
                errors.Add(new TraceFormatError(path, lineNumber, $"memory_mb: '{Show(memoryField)}' is not an integer"));
                rowOk = false;
            }
            else if (memory <= 0 || memory > int.MaxValue)
            {
                errors.Add(new TraceFormatError(path, lineNumber, $"memory_mb: {memory} must be positive"));
                rowOk = false;
            }

            if (!TryParseInteger(initField, out var init))
            {
                errors.Add(new TraceFormatError(path, lineNumber, $"init_ms: '{Show(initField)}' is not an integer"));
                rowOk = false;
            }
            else if (init < 0 || init > int.MaxValue)
            {
                errors.Add(new TraceFormatError(path, lineNumber, $"init_ms: {init} must not be negative"));
                rowOk = false;
            }

            if (rowOk)
            {
                seen.Add(functionName, lineNumber);
                functions.Add(new TraceFunction(functionName, (int)memory, (int)init));
            }
        }

        if (errors.Count == 0 && functions.Count == 0)
        {
            errors.Add(new TraceFormatError(path, 0, "no functions: the file holds only its header"));
        }

        return functions;
    }

    private static TraceInvocation[] ParseInvocations(string path, ReadOnlySpan<byte> csv, List<TraceFunction> functions, List<TraceFormatError> errors)
    {
        var lookup = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < functions.Count; i++)
        {
            lookup.Add(functions[i].Name, i);
        }

        var byName = lookup.GetAlternateLookup<ReadOnlySpan<char>>();
        var reader = new LineReader(csv);
        if (!ReadHeader(ref reader, path, InvocationsHeader, errors))
        {
            return [];
        }

        // Rows are about 26 bytes; sizing from the file length avoids regrowing a 400k-entry array.
        var invocations = new List<TraceInvocation>(Math.Max(16, csv.Length / 24));
        Span<char> nameBuffer = stackalloc char[256];
        long previousTime = 0;
        var previousLine = 0;
        while (reader.TryNext(out var line, out var lineNumber))
        {
            if (IsBlank(line))
            {
                continue;
            }

            if (errors.Count >= MaxErrors)
            {
                break;
            }

            if (!SplitThree(line, out var timeField, out var nameField, out var durationField))
            {
                errors.Add(new TraceFormatError(path, lineNumber, $"expected 3 fields (t_ms,function,duration_ms), found {CountFields(line)}"));
                continue;
            }

            var rowOk = true;
            if (!TryParseInteger(timeField, out var time))
            {
                errors.Add(new TraceFormatError(path, lineNumber, $"t_ms: '{Show(timeField)}' is not an integer"));
                rowOk = false;
            }
            else if (time < 0)
            {
                errors.Add(new TraceFormatError(path, lineNumber, $"t_ms: {time} is negative"));
                rowOk = false;
            }
            else if (time > DemandTrace.HorizonMs)
            {
                errors.Add(new TraceFormatError(path, lineNumber, $"t_ms: {time} is beyond the 24 h horizon ({DemandTrace.HorizonMs})"));
                rowOk = false;
            }
            else if (time < previousTime)
            {
                errors.Add(new TraceFormatError(path, lineNumber, $"t_ms: {time} is earlier than {previousTime} on line {previousLine}; rows must be sorted by t_ms"));
                rowOk = false;
            }
            else
            {
                previousTime = time;
                previousLine = lineNumber;
            }

            var functionIndex = -1;
            var trimmedName = nameField.Trim((byte)' ');
            var chars = trimmedName.Length <= nameBuffer.Length ? Encoding.UTF8.GetChars(trimmedName, nameBuffer) : -1;
            var found = chars >= 0
                ? byName.TryGetValue(nameBuffer[..chars], out functionIndex)
                : lookup.TryGetValue(Encoding.UTF8.GetString(trimmedName), out functionIndex);
            if (!found)
            {
                errors.Add(new TraceFormatError(path, lineNumber, $"function: '{Show(nameField)}' is not in {FunctionsFileName}"));
                rowOk = false;
            }

            if (!TryParseInteger(durationField, out var duration))
            {
                errors.Add(new TraceFormatError(path, lineNumber, $"duration_ms: '{Show(durationField)}' is not an integer"));
                rowOk = false;
            }
            else if (duration < 0 || duration > int.MaxValue)
            {
                errors.Add(new TraceFormatError(path, lineNumber, $"duration_ms: {duration} must not be negative"));
                rowOk = false;
            }

            if (rowOk)
            {
                invocations.Add(new TraceInvocation(time, functionIndex, (int)duration));
            }
        }

        return [.. invocations];
    }

    private static bool ReadHeader(ref LineReader reader, string path, string[] expected, List<TraceFormatError> errors)
    {
        var expectedText = string.Join(',', expected);
        if (!reader.TryNext(out var header, out var lineNumber))
        {
            errors.Add(new TraceFormatError(path, 0, $"file is empty; expected the header '{expectedText}'"));
            return false;
        }

        var columns = Encoding.UTF8.GetString(header).Split(',', StringSplitOptions.TrimEntries);
        for (var i = 0; i < expected.Length; i++)
        {
            if (i >= columns.Length)
            {
                errors.Add(new TraceFormatError(path, lineNumber, $"header: missing column '{expected[i]}'; expected '{expectedText}'"));
                return false;
            }

            if (!string.Equals(columns[i], expected[i], StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(new TraceFormatError(path, lineNumber, $"header: column {i + 1} is '{columns[i]}', expected '{expected[i]}' ('{expectedText}')"));
                return false;
            }
        }

        if (columns.Length > expected.Length)
        {
            errors.Add(new TraceFormatError(path, lineNumber, $"header: unexpected column '{columns[expected.Length]}'; expected '{expectedText}'"));
            return false;
        }

        return true;
    }

    private static bool SplitThree(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> first, out ReadOnlySpan<byte> second, out ReadOnlySpan<byte> third)
    {
        first = second = third = default;
        var comma = line.IndexOf((byte)',');
        if (comma < 0)
        {
            return false;
        }

        first = line[..comma];
        var rest = line[(comma + 1)..];
        comma = rest.IndexOf((byte)',');
        if (comma < 0)
        {
            return false;
        }

        second = rest[..comma];
        third = rest[(comma + 1)..];
        return third.IndexOf((byte)',') < 0;
    }

    private static int CountFields(ReadOnlySpan<byte> line) => line.Count((byte)',') + 1;

    private static bool TryParseInteger(ReadOnlySpan<byte> field, out long value) =>
        long.TryParse(field.Trim((byte)' '), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    private static bool IsBlank(ReadOnlySpan<byte> line) => line.Trim((byte)' ').IsEmpty;

    private static string Show(ReadOnlySpan<byte> field)
    {
        var text = Encoding.UTF8.GetString(field);
        return text.Length > 40 ? text[..40] + "…" : text;
    }

    /// <summary>Splits UTF-8 bytes into lines without allocating, tolerating a BOM and CRLF endings.</summary>
    private ref struct LineReader
    {
        private ReadOnlySpan<byte> _rest;
        private int _lineNumber;

        public LineReader(ReadOnlySpan<byte> text)
        {
            _rest = text.StartsWith("\uFEFF"u8) ? text[3..] : text;
        }

        public bool TryNext(out ReadOnlySpan<byte> line, out int lineNumber)
        {
            if (_rest.IsEmpty)
            {
                line = default;
                lineNumber = _lineNumber;
                return false;
            }

            var newline = _rest.IndexOf((byte)'\n');
            if (newline < 0)
            {
                line = _rest;
                _rest = default;
            }
            else
            {
                line = _rest[..newline];
                _rest = _rest[(newline + 1)..];
            }

            if (!line.IsEmpty && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            lineNumber = ++_lineNumber;
            return true;
        }
    }
}
