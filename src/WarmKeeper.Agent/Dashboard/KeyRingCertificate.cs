using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using WarmKeeper.Agent.Hosting;

namespace WarmKeeper.Agent.Dashboard;

/// <summary>
/// Section <c>WarmKeeper:DataProtection</c>: a certificate that encrypts the dashboard's Data Protection key ring at
/// rest. Without it the keys are stored as plain XML (anyone who reads the data volume can forge a sign-in cookie).
/// </summary>
public sealed class DataProtectionCertificateOptions
{
    public const string SectionName = AgentOptions.SectionName + ":DataProtection";

    /// <summary>A PKCS#12 file (.pfx/.p12), or a PEM certificate (a mounted secret: the key beside it in <see cref="CertificateKeyPath"/>, or in the same file).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Opens a PKCS#12 file, or an encrypted PEM private key.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>The PEM private key of a PEM certificate, when it is a file of its own.</summary>
    public string? CertificateKeyPath { get; set; }
}

/// <summary>The one way the key ring's certificate is read, shared by the start-up validation and the Data Protection set-up.</summary>
internal static class KeyRingCertificate
{
    /// <returns>Null when no certificate is configured.</returns>
    /// <exception cref="InvalidOperationException">The certificate cannot be used; the message names the setting.</exception>
    public static X509Certificate2? Load(DataProtectionCertificateOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string at = DataProtectionCertificateOptions.SectionName;
        if (string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            return string.IsNullOrWhiteSpace(options.CertificateKeyPath)
                ? null
                : throw new InvalidOperationException($"{at}:CertificateKeyPath is set, but {at}:CertificatePath (the certificate it belongs to) is not.");
        }

        var path = Path.GetFullPath(options.CertificatePath);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{at}:CertificatePath: there is no file at '{path}'.");
        }

        if (options.CertificateKeyPath is { Length: > 0 } keyPath && !File.Exists(Path.GetFullPath(keyPath)))
        {
            throw new InvalidOperationException($"{at}:CertificateKeyPath: there is no file at '{Path.GetFullPath(keyPath)}'.");
        }

        X509Certificate2 certificate;
        try
        {
            certificate = IsPem(path) ? LoadPem(path, options) : X509CertificateLoader.LoadPkcs12FromFile(
                path, options.CertificatePassword, X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (CryptographicException e)
        {
            throw new InvalidOperationException(
                $"{at}:CertificatePath: '{path}' could not be read with the {at}:CertificatePassword given " +
                $"(wrong or missing password, or not a certificate): {e.Message}", e);
        }

        using var key = certificate.GetRSAPrivateKey();
        if (key is null)
        {
            var hasOtherKey = certificate.HasPrivateKey;
            certificate.Dispose();
            throw new InvalidOperationException(hasOtherKey
                ? $"{at}:CertificatePath: the certificate in '{path}' has no RSA private key; the key ring is encrypted with RSA."
                : $"{at}:CertificatePath: the certificate in '{path}' has no private key, which is needed to read the key ring back" +
                  $" (a PEM certificate's key goes in {at}:CertificateKeyPath).");
        }

        return certificate;
    }

    /// <returns>The problem with the configured certificate, naming the setting; null when it is usable or none is configured.</returns>
    public static string? Problem(DataProtectionCertificateOptions options)
    {
        try
        {
            using var certificate = Load(options);
            return null;
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
    }

    private static bool IsPem(string path)
    {
        using var reader = new StreamReader(path);
        var start = new char[64];
        var read = reader.ReadBlock(start);
        return new string(start, 0, read).TrimStart().StartsWith("-----BEGIN", StringComparison.Ordinal);
    }

    private static X509Certificate2 LoadPem(string path, DataProtectionCertificateOptions options)
    {
        var keyPath = options.CertificateKeyPath is { Length: > 0 } k ? Path.GetFullPath(k) : null;
        if (options.CertificatePassword is { Length: > 0 } password)
        {
            return X509Certificate2.CreateFromEncryptedPemFile(path, password, keyPath);
        }

        if (keyPath is not null || File.ReadAllText(path).Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            return X509Certificate2.CreateFromPemFile(path, keyPath);
        }

        return X509CertificateLoader.LoadCertificateFromFile(path);
    }
}
