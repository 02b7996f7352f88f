namespace WarmKeeper.Dashboard.Client;

/// <summary>A read the dashboard could not make; pages show its message and keep what they had.</summary>
public sealed class DashboardApiException : Exception
{
    public DashboardApiException()
    {
    }

    public DashboardApiException(string message)
        : base(message)
    {
    }

    public DashboardApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
