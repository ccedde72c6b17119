using Microsoft.Extensions.Options;

namespace PushGateway.Security;

/// <summary>
/// The sockets this process may hold at once: its open-files limit less the descriptors it needs itself
/// (<see cref="LimitsOptions.ReservedFileDescriptors"/>), read once at start. Null where the OS does not tell.
/// </summary>
internal sealed class SocketBudget
{
    /// <summary>Descriptors kept back beyond those open at start-up when none are configured.</summary>
    public const int DefaultSpareFileDescriptors = 256;

    public SocketBudget(IOptions<LimitsOptions> limits)
    {
        OpenFilesLimit = OpenFiles.SoftLimit();
        if (OpenFilesLimit is { } openFiles)
        {
            MaxSockets = MaxSocketsFor(openFiles, OpenFiles.InUse() ?? 0, limits.Value.ReservedFileDescriptors);
        }
    }

    public long? OpenFilesLimit { get; }

    public long? MaxSockets { get; }

    public static long MaxSocketsFor(long openFilesLimit, int descriptorsInUse, int? reservedFileDescriptors)
    {
        var reserve = reservedFileDescriptors ?? descriptorsInUse + DefaultSpareFileDescriptors;
        var max = openFilesLimit - reserve;
        return max >= 64
            ? max
            : throw new OptionsValidationException(nameof(LimitsOptions), typeof(LimitsOptions),
                [$"The open-files limit ({openFilesLimit}) leaves too little room for connections after {reserve} reserved descriptors: raise it (ulimit -n) or lower PushGateway:Limits:ReservedFileDescriptors."]);
    }
}
