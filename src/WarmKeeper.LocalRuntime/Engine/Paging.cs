using System.Globalization;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.LocalRuntime.Engine;

internal static class Paging
{
    /// <summary>The service model's MaxListItems maximum.</summary>
    private const int MaxListItems = 10_000;

    /// <summary>One page of <paramref name="items"/>; the marker is the opaque position of the next item.</summary>
    public static (IReadOnlyList<T> Page, string? NextMarker) Page<T>(List<T> items, string? marker, int? maxItems, int defaultPageSize)
    {
        var start = 0;
        if (!string.IsNullOrEmpty(marker))
        {
            if (!TryDecode(marker, out start) || start > items.Count)
            {
                throw new LambdaApiException(LambdaApiError.InvalidParameter("Invalid Marker: " + marker));
            }
        }

        var size = maxItems ?? defaultPageSize;
        if (size < 1)
        {
            throw new LambdaApiException(LambdaApiError.InvalidParameter(string.Create(CultureInfo.InvariantCulture,
                $"1 validation error detected: Value '{size}' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1")));
        }

        if (size > MaxListItems)
        {
            throw new LambdaApiException(LambdaApiError.InvalidParameter(string.Create(CultureInfo.InvariantCulture,
                $"1 validation error detected: Value '{size}' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to {MaxListItems}")));
        }

        size = Math.Min(size, defaultPageSize);
        var count = Math.Min(size, items.Count - start);
        var page = items.GetRange(start, count);
        var nextIndex = start + count;
        return (page, nextIndex < items.Count ? Encode(nextIndex) : null);
    }

    private static string Encode(int index) =>
        Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes("wk:" + index.ToString(CultureInfo.InvariantCulture)));

    private static bool TryDecode(string marker, out int index)
    {
        index = 0;
        try
        {
            var text = System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(marker));
            return text.StartsWith("wk:", StringComparison.Ordinal)
                && int.TryParse(text.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out index);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
