using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace PushGateway.Security;

/// <summary>Fails start-up on a key that would make every token check fail, or pass, silently.</summary>
internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        if (!string.IsNullOrEmpty(options.SigningKey) && !string.IsNullOrEmpty(options.PublicKeyPem))
        {
            return ValidateOptionsResult.Fail("Set PushGateway:Auth:SigningKey or PushGateway:Auth:PublicKeyPem, not both.");
        }

        if (!string.IsNullOrEmpty(options.SigningKey) && Encoding.UTF8.GetByteCount(options.SigningKey) < 32)
        {
            return ValidateOptionsResult.Fail("PushGateway:Auth:SigningKey must be at least 32 bytes (HS256).");
        }

        if (!string.IsNullOrEmpty(options.PublicKeyPem))
        {
            try
            {
                using var rsa = RSA.Create();
                rsa.ImportFromPem(options.PublicKeyPem);
            }
            catch (ArgumentException exception)
            {
                return ValidateOptionsResult.Fail($"PushGateway:Auth:PublicKeyPem is not an RSA public key in PEM: {exception.Message}");
            }
        }

        return ValidateOptionsResult.Success;
    }
}
