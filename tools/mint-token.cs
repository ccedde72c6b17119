#:property PublishAot=false
// Mints an HS256 development token for PushGateway:
//   dotnet run tools/mint-token.cs -- <signing-key> [--publish pattern,...] [--subscribe pattern,...] [--admin] [--minutes 60] [--sub name]
// The key must be the gateway's PushGateway:Auth:SigningKey. For production, mint tokens in your backend.
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

if (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal))
{
    Console.Error.WriteLine("usage: dotnet run tools/mint-token.cs -- <signing-key> [--publish a,b/*] [--subscribe c/*] [--admin] [--minutes 60] [--sub name]");
    return 2;
}

// --admin takes no value (it may read /metrics); every other option takes one.
var admin = args.Contains("--admin");
var rest = args.Skip(1).Where(arg => arg != "--admin").ToArray();
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < rest.Length; i += 2)
{
    options[rest[i]] = rest[i + 1];
}

string[] List(string name) => options.TryGetValue(name, out var value) ? value.Split(',', StringSplitOptions.RemoveEmptyEntries) : [];

var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
var minutes = options.TryGetValue("--minutes", out var m) ? int.Parse(m, System.Globalization.CultureInfo.InvariantCulture) : 60;
var header = new Dictionary<string, object> { ["alg"] = "HS256", ["typ"] = "JWT" };
var payload = new Dictionary<string, object>
{
    ["sub"] = options.GetValueOrDefault("--sub", "dev"),
    ["iat"] = now,
    ["exp"] = now + (minutes * 60L),
    ["pushgateway"] = admin
        ? new Dictionary<string, object> { ["publish"] = List("--publish"), ["subscribe"] = List("--subscribe"), ["admin"] = true }
        : new Dictionary<string, object> { ["publish"] = List("--publish"), ["subscribe"] = List("--subscribe") },
};

static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

var unsigned = Base64Url(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + Base64Url(JsonSerializer.SerializeToUtf8Bytes(payload));
var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(args[0]), Encoding.UTF8.GetBytes(unsigned));
Console.WriteLine(unsigned + "." + Base64Url(signature));
return 0;
