namespace PushGateway.Tests.Infrastructure;

/// <summary>Folders of the checkout, found from the test binaries.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Artifacts => Path.Combine(Root, "tests", "artifacts");

    public static string NodeClient => Path.Combine(Root, "tests", "PushGateway.Tests", "node");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PushGateway.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("PushGateway.sln not found above " + AppContext.BaseDirectory);
    }
}
