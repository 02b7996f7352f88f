using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using WarmKeeper.Dashboard.Client;
using WarmKeeper.Dashboard.Security;

namespace WarmKeeper.Dashboard.Live;

/// <summary>
/// A page that shows live data: it loads once, then again on a timer (from the injected
/// <see cref="TimeProvider"/>) until it is paused or left. A refresh never overlaps the previous one, a
/// failed refresh keeps what was shown and says why, and leaving the page cancels what is in flight.
/// </summary>
public abstract class LivePage : ComponentBase, IAsyncDisposable
{
    private readonly CancellationTokenSource _lifetime = new();
    private ITimer? _timer;
    private int _refreshing;
    private volatile bool _again;

    [Inject]
    protected TimeProvider Time { get; set; } = default!;

    [Inject]
    protected IWarmKeeperClient Client { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    /// <summary>May the person change settings (a key with the write scope, or the local operator)?</summary>
    protected bool CanWrite { get; private set; }

    /// <summary>True once the first load finished (with or without an error).</summary>
    protected bool Loaded { get; private set; }

    public bool Paused { get; private set; }

    public DateTimeOffset? LastRefreshed { get; private set; }

    /// <summary>Why the last refresh failed; null when it worked.</summary>
    public string? RefreshError { get; private set; }

    /// <summary>Cancelled when the page is left.</summary>
    protected CancellationToken Lifetime => _lifetime.Token;

    /// <summary>How often the page reloads; <see cref="TimeSpan.Zero"/> for never.</summary>
    protected virtual TimeSpan RefreshInterval => TimeSpan.FromSeconds(5);

    /// <summary>Reads what the page shows.</summary>
    protected abstract Task LoadAsync(CancellationToken cancellationToken);

    protected override async Task OnInitializedAsync()
    {
        var user = AuthenticationState is null ? null : (await AuthenticationState).User;
        CanWrite = DashboardSecurity.CanWrite(user);
        await RefreshAsync();
        if (RefreshInterval > TimeSpan.Zero)
        {
            _timer = Time.CreateTimer(_ => OnTimer(), null, RefreshInterval, RefreshInterval);
        }
    }

    public void TogglePause()
    {
        Paused = !Paused;
        if (!Paused)
        {
            _ = InvokeAsync(RefreshAsync);
        }
    }

    /// <summary>
    /// Loads now (also after a change, so the page shows what the agent stored). Asked while a load
    /// runs, it loads once more after it, so what the person just chose (a filter) is never lost.
    /// </summary>
    public async Task RefreshAsync()
    {
        if (_lifetime.IsCancellationRequested)
        {
            return;
        }

        if (Interlocked.Exchange(ref _refreshing, 1) == 1)
        {
            _again = true;
            return;
        }

        try
        {
            do
            {
                _again = false;
                await LoadAsync(_lifetime.Token);
            }
            while (_again && !_lifetime.IsCancellationRequested);

            LastRefreshed = Time.GetUtcNow();
            RefreshError = null;
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            return;
        }
        catch (DashboardApiException e)
        {
            RefreshError = e.Message;
        }
        finally
        {
            Loaded = true;
            Interlocked.Exchange(ref _refreshing, 0);
        }

        StateHasChanged();
    }

    private void OnTimer()
    {
        if (Paused || _lifetime.IsCancellationRequested)
        {
            return;
        }

        // A tick while a load runs is skipped (a slow target must not be asked back to back).
        _ = InvokeAsync(() => Volatile.Read(ref _refreshing) == 1 ? Task.CompletedTask : RefreshAsync()).ContinueWith(
            static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore();
        GC.SuppressFinalize(this);
    }

    protected virtual async ValueTask DisposeAsyncCore()
    {
        await _lifetime.CancelAsync();
        if (_timer is not null)
        {
            await _timer.DisposeAsync();
        }

        _lifetime.Dispose();
    }
}
