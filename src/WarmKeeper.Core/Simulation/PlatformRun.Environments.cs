namespace WarmKeeper.Core.Simulation;

// One function's execution environments and the heaps that keep routing at O(log n); the longest part of the run
// (about 360 lines) because the three sets and their retirement bounds only make sense together.
internal sealed partial class PlatformRun
{
    private struct ExecutionEnvironment
    {
        /// <summary>Creation order within the function; a provisioned replacement keeps its predecessor's.</summary>
        public long Id;
        public long BusyUntil;
        public long LastEnd;
        public long Born;
        public bool Provisioned;
    }

    /// <summary>
    /// One function's environments in three sets, so that routing costs O(log n) instead of a scan:
    /// busy ones in a min-heap by busy_until (untouched until their run ends); idle provisioned ones in a min-heap by
    /// creation order (the first is taken); idle on-demand ones in an array sorted by (last_end ascending, creation
    /// descending), so the most recently used (earliest created on a tie) is at the back and those idle for REAP are
    /// at the front. Lifetime retirement, which can hit any idle environment, is found through a lower bound on the
    /// earliest birth in each idle set: a scan happens only when that bound says something may be due.
    /// </summary>
    private sealed class FunctionState(int memoryMb, int initMs, int reservedLimit)
    {
        private ExecutionEnvironment[] _busy = new ExecutionEnvironment[4];
        private ExecutionEnvironment[] _ready = new ExecutionEnvironment[4];
        private int _readyCount;
        private long _readyBornBound = long.MaxValue;
        private ExecutionEnvironment[] _warm = new ExecutionEnvironment[4];
        private int _warmHead;
        private int _warmCount;
        private long _warmBornBound = long.MaxValue;
        private int _busyCount;

        public long NextId;
        public readonly long MemoryMb = memoryMb;
        public readonly long InitMs = initMs;
        public readonly int ReservedLimit = reservedLimit;
        public readonly List<PendingProvisioning> Pending = [];
        public int ProvisionedConfigured;
        public int PeakEnvironments;
        public long Invocations, Runs, ColdStarts, ProvisionedStarts, Throttles, Pings, ColdPings, PingThrottles;
        public long OnDemandDurationMbMs, ProvisionedConcurrencyMbMs, ProvisionedDurationMbMs;

        public int BusyCount => _busyCount;

        public void NotePeak()
        {
            var count = _busyCount + _readyCount + _warmCount;
            if (count > PeakEnvironments)
            {
                PeakEnvironments = count;
            }
        }

        /// <summary>Environments whose run ended by <paramref name="now"/> become idle.</summary>
        public void EndRunsUntil(long now)
        {
            while (_busyCount > 0 && _busy[0].BusyUntil <= now)
            {
                var environment = Heap<ByBusyUntil>.Pop(_busy, ref _busyCount);
                if (environment.Provisioned)
                {
                    AddReady(environment);
                }
                else
                {
                    AddWarm(environment);
                }
            }
        }

        /// <summary>Examines the idle environments at <paramref name="now"/>; returns how many were removed.</summary>
        public int Reap(long now, long lifetimeMs, long reapMs)
        {
            if (_readyCount > 0 && now - _readyBornBound >= lifetimeMs)
            {
                // Provisioned ones are replaced in place: a new environment born now, keeping its place in line.
                var bound = long.MaxValue;
                for (var i = 0; i < _readyCount; i++)
                {
                    ref var environment = ref _ready[i];
                    if (now - environment.Born >= lifetimeMs)
                    {
                        environment.Born = now;
                        environment.LastEnd = now;
                    }

                    bound = Math.Min(bound, environment.Born);
                }

                _readyBornBound = bound;
            }

            var removed = 0;
            while (_warmCount > 0 && now - _warm[_warmHead].LastEnd >= reapMs)
            {
                _warmHead++;
                _warmCount--;
                removed++;
            }

            if (_warmCount > 0 && now - _warmBornBound >= lifetimeMs)
            {
                var bound = long.MaxValue;
                var kept = _warmHead;
                for (var i = _warmHead; i < _warmHead + _warmCount; i++)
                {
                    if (now - _warm[i].Born >= lifetimeMs)
                    {
                        continue;
                    }

                    bound = Math.Min(bound, _warm[i].Born);
                    _warm[kept++] = _warm[i];
                }

                removed += _warmHead + _warmCount - kept;
                _warmCount = kept - _warmHead;
                _warmBornBound = bound;
            }

            if (_warmCount == 0)
            {
                _warmHead = 0;
            }

            return removed;
        }

        public bool TakeProvisioned(out ExecutionEnvironment environment)
        {
            if (_readyCount == 0)
            {
                environment = default;
                return false;
            }

            environment = Heap<ById>.Pop(_ready, ref _readyCount);
            return true;
        }

        public bool TakeMostRecentlyUsed(out ExecutionEnvironment environment)
        {
            if (_warmCount == 0)
            {
                environment = default;
                return false;
            }

            environment = _warm[_warmHead + --_warmCount];
            return true;
        }

        public void PushBusy(in ExecutionEnvironment environment) => Heap<ByBusyUntil>.Push(ref _busy, ref _busyCount, environment);

        public void AddProvisioned(long now, int count)
        {
            for (var i = 0; i < count; i++)
            {
                AddReady(new ExecutionEnvironment { Id = NextId++, BusyUntil = now, LastEnd = now, Born = now, Provisioned = true });
            }

            NotePeak();
        }

        /// <summary>The newest provisioned environments (busy or idle) become on-demand ones, keeping their state.</summary>
        public void Demote(int surplus)
        {
            for (; surplus > 0; surplus--)
            {
                var busyIndex = -1;
                var readyIndex = -1;
                var newestId = long.MinValue;
                for (var i = 0; i < _busyCount; i++)
                {
                    if (_busy[i].Provisioned && _busy[i].Id > newestId)
                    {
                        newestId = _busy[i].Id;
                        busyIndex = i;
                    }
                }

                for (var i = 0; i < _readyCount; i++)
                {
                    if (_ready[i].Id > newestId)
                    {
                        newestId = _ready[i].Id;
                        readyIndex = i;
                        busyIndex = -1;
                    }
                }

                if (busyIndex >= 0)
                {
                    // The busy heap is ordered by busy_until and creation only, so flipping the flag keeps it valid.
                    _busy[busyIndex].Provisioned = false;
                }
                else if (readyIndex >= 0)
                {
                    var environment = Heap<ById>.RemoveAt(_ready, ref _readyCount, readyIndex);
                    environment.Provisioned = false;
                    AddWarm(environment);
                }
                else
                {
                    return;
                }
            }
        }

        /// <summary>Environments that hold account concurrency at <paramref name="now"/>: busy ones and all provisioned ones.</summary>
        public int CountInUse(long now)
        {
            var inUse = _readyCount;
            for (var i = 0; i < _busyCount; i++)
            {
                if (_busy[i].Provisioned || _busy[i].BusyUntil > now)
                {
                    inUse++;
                }
            }

            return inUse;
        }

        private void AddReady(in ExecutionEnvironment environment)
        {
            Heap<ById>.Push(ref _ready, ref _readyCount, environment);
            _readyBornBound = Math.Min(_readyBornBound, environment.Born);
        }

        private void AddWarm(in ExecutionEnvironment environment)
        {
            if (_warmHead + _warmCount == _warm.Length)
            {
                if (_warmHead > 0)
                {
                    Array.Copy(_warm, _warmHead, _warm, 0, _warmCount);
                    _warmHead = 0;
                }
                else
                {
                    Array.Resize(ref _warm, _warm.Length * 2);
                }
            }

            // Runs end in time order, so this is almost always an append; a demoted environment may go further in.
            var position = _warmHead + _warmCount;
            while (position > _warmHead && GoesAfter(_warm[position - 1], environment))
            {
                _warm[position] = _warm[position - 1];
                position--;
            }

            _warm[position] = environment;
            _warmCount++;
            _warmBornBound = Math.Min(_warmBornBound, environment.Born);
        }

        private static bool GoesAfter(in ExecutionEnvironment existing, in ExecutionEnvironment added) =>
            existing.LastEnd > added.LastEnd || (existing.LastEnd == added.LastEnd && existing.Id < added.Id);

        public SimulationCounts Counts() =>
            new(Invocations, ColdStarts, Runs - ColdStarts, ProvisionedStarts, Throttles, Pings, ColdPings, PingThrottles);
    }

    private interface IEnvironmentOrder
    {
        static abstract bool Before(in ExecutionEnvironment left, in ExecutionEnvironment right);
    }

    /// <summary>Busy environments: earliest end first (creation descending on a tie, the order idle ones are filed in).</summary>
    private readonly struct ByBusyUntil : IEnvironmentOrder
    {
        public static bool Before(in ExecutionEnvironment left, in ExecutionEnvironment right) =>
            left.BusyUntil < right.BusyUntil || (left.BusyUntil == right.BusyUntil && left.Id > right.Id);
    }

    /// <summary>Idle provisioned environments: earliest created first.</summary>
    private readonly struct ById : IEnvironmentOrder
    {
        public static bool Before(in ExecutionEnvironment left, in ExecutionEnvironment right) => left.Id < right.Id;
    }

    /// <summary>A binary min-heap of environment structs in an array, ordered by <typeparamref name="TOrder"/>.</summary>
    private static class Heap<TOrder>
        where TOrder : struct, IEnvironmentOrder
    {
        public static void Push(ref ExecutionEnvironment[] heap, ref int count, in ExecutionEnvironment environment)
        {
            if (count == heap.Length)
            {
                Array.Resize(ref heap, heap.Length * 2);
            }

            SiftUp(heap, count++, environment);
        }

        public static ExecutionEnvironment Pop(ExecutionEnvironment[] heap, ref int count) => RemoveAt(heap, ref count, 0);

        public static ExecutionEnvironment RemoveAt(ExecutionEnvironment[] heap, ref int count, int index)
        {
            var removed = heap[index];
            var last = heap[--count];
            if (index < count)
            {
                if (index > 0 && TOrder.Before(last, heap[(index - 1) >> 1]))
                {
                    SiftUp(heap, index, last);
                }
                else
                {
                    SiftDown(heap, count, index, last);
                }
            }

            return removed;
        }

        private static void SiftUp(ExecutionEnvironment[] heap, int index, in ExecutionEnvironment environment)
        {
            while (index > 0)
            {
                var parent = (index - 1) >> 1;
                if (!TOrder.Before(environment, heap[parent]))
                {
                    break;
                }

                heap[index] = heap[parent];
                index = parent;
            }

            heap[index] = environment;
        }

        private static void SiftDown(ExecutionEnvironment[] heap, int count, int index, in ExecutionEnvironment environment)
        {
            while (true)
            {
                var child = (2 * index) + 1;
                if (child >= count)
                {
                    break;
                }

                if (child + 1 < count && TOrder.Before(heap[child + 1], heap[child]))
                {
                    child++;
                }

                if (!TOrder.Before(heap[child], environment))
                {
                    break;
                }

                heap[index] = heap[child];
                index = child;
            }

            heap[index] = environment;
        }
    }
}
