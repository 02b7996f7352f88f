using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace WarmKeeper.Lambda.Wire;

/// <summary>
/// A request body read whole, up to a limit, the one way every Lambda listener here reads one (the
/// runtime's API, the Runtime API of process functions, the invoke proxy). Dispose it to give a
/// pooled buffer back.
/// </summary>
public readonly struct LambdaRequestBody : IDisposable
{
    private const int ChunkBytes = 16 * 1024;

    private readonly byte[]? _buffer;
    private readonly ArrayPool<byte>? _pool;
    private readonly int _length;

    private LambdaRequestBody(byte[]? buffer, int length, ArrayPool<byte>? pool)
    {
        _buffer = buffer;
        _length = length;
        _pool = pool;
    }

    /// <summary>True when the body was longer than the limit (nothing is kept then).</summary>
    public bool IsTooLarge => _length < 0;

    /// <summary>The bytes; empty when there was no body or it was too large.</summary>
    public ReadOnlyMemory<byte> Memory => _buffer is null || _length <= 0 ? ReadOnlyMemory<byte>.Empty : _buffer.AsMemory(0, _length);

    /// <summary>
    /// Reads the body; <see cref="IsTooLarge"/> when it exceeds <paramref name="limit"/> bytes (announced
    /// or counted, and when Kestrel's own limit refused it).
    /// </summary>
    /// <param name="pool">
    /// Where buffers come from; null for plain arrays, which is what a caller wants when the bytes may
    /// still be read after it is done (an HTTP send that was cancelled can still be writing them).
    /// </param>
    public static async ValueTask<LambdaRequestBody> ReadAsync(HttpRequest request, int limit, ArrayPool<byte>? pool, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var declared = request.ContentLength;
        if (declared > limit)
        {
            return new LambdaRequestBody(null, -1, null);
        }

        if (declared == 0)
        {
            return new LambdaRequestBody(null, 0, null);
        }

        // Kestrel holds a body to its Content-Length, so an announced length is read into one buffer
        // of that size and reading stops there.
        var buffer = Rent(pool, declared is long n ? (int)n : ChunkBytes);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var bigger = Rent(pool, Math.Min(buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    pool?.Return(buffer);
                    buffer = bigger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0 || length + read == declared)
                {
                    length += read;
                    return new LambdaRequestBody(buffer, length, pool);
                }

                length += read;
                if (length > limit)
                {
                    pool?.Return(buffer);
                    return new LambdaRequestBody(null, -1, null);
                }
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            pool?.Return(buffer);
            return new LambdaRequestBody(null, -1, null);
        }
        catch
        {
            pool?.Return(buffer);
            throw;
        }
    }

    public void Dispose()
    {
        if (_buffer is not null)
        {
            _pool?.Return(_buffer);
        }
    }

    private static byte[] Rent(ArrayPool<byte>? pool, int size) => pool?.Rent(size) ?? new byte[size];
}
