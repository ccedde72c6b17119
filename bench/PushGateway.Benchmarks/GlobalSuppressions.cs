using System.Diagnostics.CodeAnalysis;

[assembly: SuppressMessage(
    "Design", "CA1001:Types that own disposable fields should be disposable",
    Justification = "BenchmarkDotNet owns the instance's lifetime: its fields are disposed in the [GlobalCleanup] method.",
    Scope = "type", Target = "~T:PushGateway.Benchmarks.BroadcastBenchmarks")]

[assembly: SuppressMessage(
    "Reliability", "CA2012:Use ValueTasks correctly",
    Justification = "Pending reader waits are kept to model parked connection loops; each is consumed at most once, then replaced.",
    Scope = "member", Target = "~M:PushGateway.Benchmarks.BroadcastBenchmarks.SetupWaitingReaders")]

[assembly: SuppressMessage(
    "Reliability", "CA2012:Use ValueTasks correctly",
    Justification = "Pending reader waits are kept to model parked connection loops; each is consumed at most once, then replaced.",
    Scope = "member", Target = "~M:PushGateway.Benchmarks.BroadcastBenchmarks.PublishLocalToWaitingReaders~System.Int32")]
