using System.Text;
using WarmKeeper.Core.Simulation;

namespace WarmKeeper.Core.Tests.Simulation;

public sealed class TraceReaderTests : IDisposable
{
    private const string GoodFunctions = "function,memory_mb,init_ms\napi,512,300\nworker,1024,650\n";
    private const string GoodInvocations = "t_ms,function,duration_ms\n0,api,120\n5,worker,80\n5,api,30\n86400000,api,1\n";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "wk-trace-" + Guid.NewGuid().ToString("N"));

    public TraceReaderTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Reads_a_good_trace_from_its_folder()
    {
        Write(GoodFunctions, GoodInvocations);

        var trace = TraceReader.Read(_folder);

        Assert.Equal(Path.GetFileName(_folder), trace.Name);
        Assert.Equal([new TraceFunction("api", 512, 300), new TraceFunction("worker", 1024, 650)], trace.Functions);
        Assert.Equal(
            [new TraceInvocation(0, 0, 120), new TraceInvocation(5, 1, 80), new TraceInvocation(5, 0, 30), new TraceInvocation(86_400_000, 0, 1)],
            trace.Invocations.ToArray());
    }

    [Fact]
    public void Tolerates_a_byte_order_mark_crlf_line_ends_and_blank_lines()
    {
        Write("\uFEFFfunction,memory_mb,init_ms\r\napi,512,300\r\n\r\n", "t_ms,function,duration_ms\r\n\r\n10,api,5\r\n");

        var trace = TraceReader.Read(_folder);

        Assert.Equal([new TraceInvocation(10, 0, 5)], trace.Invocations.ToArray());
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        File.WriteAllText(Path.Combine(_folder, TraceReader.FunctionsFileName), GoodFunctions);

        var error = Assert.Single(Assert.Throws<TraceFormatException>(() => TraceReader.Read(_folder)).Errors);

        Assert.EndsWith(TraceReader.InvocationsFileName, error.File, StringComparison.Ordinal);
        Assert.Equal(0, error.Line);
        Assert.Contains("not found", error.Reason, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, int, string> BadFunctionFiles => new()
    {
        { "empty file", "", 0, "file is empty" },
        { "missing column", "function,memory_mb\napi,512\n", 1, "missing column 'init_ms'" },
        { "wrong column", "function,memory,init_ms\napi,512,300\n", 1, "column 2 is 'memory', expected 'memory_mb'" },
        { "extra column", "function,memory_mb,init_ms,arch\napi,512,300,x86\n", 1, "unexpected column 'arch'" },
        { "non-numeric memory", "function,memory_mb,init_ms\napi,lots,300\n", 2, "memory_mb: 'lots' is not an integer" },
        { "zero memory", "function,memory_mb,init_ms\napi,0,300\n", 2, "memory_mb: 0 must be positive" },
        { "negative memory", "function,memory_mb,init_ms\napi,-128,300\n", 2, "memory_mb: -128 must be positive" },
        { "negative init", "function,memory_mb,init_ms\napi,128,-1\n", 2, "init_ms: -1 must not be negative" },
        { "duplicate function", "function,memory_mb,init_ms\napi,128,10\nother,128,10\napi,256,10\n", 4, "function: 'api' is a duplicate of line 2" },
        { "too few fields", "function,memory_mb,init_ms\napi,128\n", 2, "expected 3 fields (function,memory_mb,init_ms), found 2" },
        { "empty name", "function,memory_mb,init_ms\n,128,10\n", 2, "function: empty name" },
        { "header only", "function,memory_mb,init_ms\n", 0, "no functions" },
    };

    [Theory]
    [MemberData(nameof(BadFunctionFiles))]
    public void A_bad_functions_file_is_refused_with_line_and_reason(string caseName, string functions, int line, string reason)
    {
        Write(functions, GoodInvocations);

        var exception = Assert.Throws<TraceFormatException>(() => TraceReader.Read(_folder));

        var error = exception.Errors[0];
        Assert.True(error.File.EndsWith(TraceReader.FunctionsFileName, StringComparison.Ordinal), caseName);
        Assert.Equal(line, error.Line);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.Contains(error.ToString(), exception.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, int, string> BadInvocationFiles => new()
    {
        { "empty file", "", 0, "file is empty" },
        { "wrong header", "time,function,duration_ms\n0,api,1\n", 1, "column 1 is 'time', expected 't_ms'" },
        { "missing column", "t_ms,function\n0,api\n", 1, "missing column 'duration_ms'" },
        { "non-numeric time", "t_ms,function,duration_ms\n0,api,1\nsoon,api,1\n", 3, "t_ms: 'soon' is not an integer" },
        { "fractional time", "t_ms,function,duration_ms\n1.5,api,1\n", 2, "t_ms: '1.5' is not an integer" },
        { "negative time", "t_ms,function,duration_ms\n-5,api,1\n", 2, "t_ms: -5 is negative" },
        { "unsorted time", "t_ms,function,duration_ms\n100,api,1\n200,api,1\n150,api,1\n", 4, "t_ms: 150 is earlier than 200 on line 3" },
        { "beyond the horizon", "t_ms,function,duration_ms\n86400001,api,1\n", 2, "beyond the 24 h horizon" },
        { "unknown function", "t_ms,function,duration_ms\n0,api,1\n1,ghost,1\n", 3, "function: 'ghost' is not in functions.csv" },
        { "non-numeric duration", "t_ms,function,duration_ms\n0,api,fast\n", 2, "duration_ms: 'fast' is not an integer" },
        { "negative duration", "t_ms,function,duration_ms\n0,api,-3\n", 2, "duration_ms: -3 must not be negative" },
        { "too many fields", "t_ms,function,duration_ms\n0,api,1,2\n", 2, "expected 3 fields (t_ms,function,duration_ms), found 4" },
    };

    [Theory]
    [MemberData(nameof(BadInvocationFiles))]
    public void A_bad_invocations_file_is_refused_with_line_and_reason(string caseName, string invocations, int line, string reason)
    {
        Write(GoodFunctions, invocations);

        var exception = Assert.Throws<TraceFormatException>(() => TraceReader.Read(_folder));

        var error = exception.Errors[0];
        Assert.True(error.File.EndsWith(TraceReader.InvocationsFileName, StringComparison.Ordinal), caseName);
        Assert.Equal(line, error.Line);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.Contains(line > 0 ? $"{error.File}:{line}: {error.Reason}" : $"{error.File}: {error.Reason}", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_bad_row_is_listed_not_only_the_first()
    {
        var exception = Assert.Throws<TraceFormatException>(() => TraceReader.Parse(
            "t",
            "functions.csv",
            Encoding.UTF8.GetBytes(GoodFunctions),
            "invocations.csv",
            Encoding.UTF8.GetBytes("t_ms,function,duration_ms\nx,api,1\n2,ghost,1\n3,api,-1\n4,api,1\n")));

        Assert.Equal(
            ["invocations.csv:2: t_ms: 'x' is not an integer", "invocations.csv:3: function: 'ghost' is not in functions.csv", "invocations.csv:4: duration_ms: -1 must not be negative"],
            exception.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void A_hopeless_file_stops_at_the_error_cap()
    {
        var rows = string.Concat(Enumerable.Range(0, 500).Select(i => $"{i},nobody,1\n"));

        var exception = Assert.Throws<TraceFormatException>(() => TraceReader.Parse(
            "t", "functions.csv", Encoding.UTF8.GetBytes(GoodFunctions), "invocations.csv", Encoding.UTF8.GetBytes("t_ms,function,duration_ms\n" + rows)));

        Assert.Equal(TraceReader.MaxErrors, exception.Errors.Count);
    }

    [Fact]
    public void Reads_the_largest_shared_trace_completely()
    {
        var trace = TraceReader.Read(TraceLocator.Trace("mixed-24h"));

        Assert.Equal(8, trace.Functions.Count);
        Assert.Equal(402_515, trace.InvocationCount);
        Assert.Equal(new TraceFunction("rare-webhook", 256, 420), trace.Functions[0]);
    }

    private void Write(string functions, string invocations)
    {
        File.WriteAllText(Path.Combine(_folder, TraceReader.FunctionsFileName), functions);
        File.WriteAllText(Path.Combine(_folder, TraceReader.InvocationsFileName), invocations);
    }
}
