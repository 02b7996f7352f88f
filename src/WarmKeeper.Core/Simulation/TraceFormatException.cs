namespace WarmKeeper.Core.Simulation;

/// <summary>One problem found in a trace file.</summary>
/// <param name="File">The file's path.</param>
/// <param name="Line">1-based line number; 0 when the problem is the file itself (missing, empty).</param>
/// <param name="Reason">What is wrong, naming the column.</param>
public sealed record TraceFormatError(string File, int Line, string Reason)
{
    /// <inheritdoc />
    public override string ToString() => Line > 0 ? $"{File}:{Line}: {Reason}" : $"{File}: {Reason}";
}

/// <summary>A trace folder that cannot be read; <see cref="Errors"/> lists every problem found (up to a cap) as file:line: reason.</summary>
public sealed class TraceFormatException : Exception
{
    /// <summary>Creates the exception from the problems found.</summary>
    public TraceFormatException(IReadOnlyList<TraceFormatError> errors)
        : base(BuildMessage(errors))
    {
        Errors = errors;
    }

    /// <summary>Creates an exception with a single message and no located errors.</summary>
    public TraceFormatException()
        : this([])
    {
    }

    /// <summary>Creates an exception with a single message.</summary>
    public TraceFormatException(string message)
        : base(message)
    {
        Errors = [];
    }

    /// <summary>Creates an exception with a single message and an inner exception.</summary>
    public TraceFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [];
    }

    /// <summary>Every problem found, in file and line order.</summary>
    public IReadOnlyList<TraceFormatError> Errors { get; }

    private static string BuildMessage(IReadOnlyList<TraceFormatError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return errors.Count == 0
            ? "The trace is invalid."
            : "The trace is invalid:" + System.Environment.NewLine + string.Join(System.Environment.NewLine, errors);
    }
}
