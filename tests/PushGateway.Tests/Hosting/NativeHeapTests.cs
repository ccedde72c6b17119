using PushGateway.Hosting;

namespace PushGateway.Tests.Hosting;

public sealed class NativeHeapTests
{
    [Fact]
    public void Trim_OnGlibc_ReachesMallocTrim()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && !Directory.EnumerateFiles("/lib", "ld-musl-*").Any(), "Linux with glibc only");

        Assert.True(NativeHeap.Trim());
    }
}
