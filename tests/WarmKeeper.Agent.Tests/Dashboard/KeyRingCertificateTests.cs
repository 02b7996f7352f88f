using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using WarmKeeper.Agent.Dashboard;
using WarmKeeper.Agent.Hosting;

namespace WarmKeeper.Agent.Tests.Dashboard;

public sealed class KeyRingCertificateTests : IDisposable
{
    private const string Password = "ring-password";

    private readonly DirectoryInfo _files = Directory.CreateTempSubdirectory("warmkeeper-keyring-");

    [Fact]
    public async Task Keys_are_written_encrypted_to_the_certificate_and_read_back_after_a_restart()
    {
        var pfx = WritePfx();
        var data = Path.Combine(_files.FullName, "data");
        string[] settings = [$"--WarmKeeper:DataProtection:CertificatePath={pfx}", $"--WarmKeeper:DataProtection:CertificatePassword={Password}"];

        string protectedText;
        await using (var first = await AgentHost.StartAsync(data, settings))
        {
            protectedText = Protector(first).Protect("a sign-in ticket");
        }

        var keys = Directory.GetFiles(DashboardHosting.DataProtectionKeysDirectory(data), "*.xml");
        Assert.NotEmpty(keys);
        foreach (var xml in keys.Select(File.ReadAllText))
        {
            Assert.Contains("encryptedSecret", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
        }

        await using var second = await AgentHost.StartAsync(data, settings);
        Assert.Equal("a sign-in ticket", Protector(second).Unprotect(protectedText));
    }

    [Fact]
    public async Task A_mounted_PEM_pair_protects_the_key_ring_too()
    {
        using var certificate = SelfSigned();
        var crt = Path.Combine(_files.FullName, "tls.crt");
        var key = Path.Combine(_files.FullName, "tls.key");
        await File.WriteAllTextAsync(crt, certificate.ExportCertificatePem(), TestContext.Cancellation);
        await File.WriteAllTextAsync(key, certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem(), TestContext.Cancellation);
        var data = Path.Combine(_files.FullName, "data");

        await using (var agent = await AgentHost.StartAsync(data,
            $"--WarmKeeper:DataProtection:CertificatePath={crt}", $"--WarmKeeper:DataProtection:CertificateKeyPath={key}"))
        {
            Protector(agent).Protect("x");
        }

        Assert.All(Directory.GetFiles(DashboardHosting.DataProtectionKeysDirectory(data), "*.xml").Select(File.ReadAllText),
            xml => Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_certificate_that_cannot_be_used_stops_the_start_naming_the_setting()
    {
        var pfx = WritePfx();
        using var certificate = SelfSigned();
        var publicOnly = Path.Combine(_files.FullName, "public.crt");
        await File.WriteAllTextAsync(publicOnly, certificate.ExportCertificatePem(), TestContext.Cancellation);

        Assert.Contains("WarmKeeper:DataProtection:CertificatePath: there is no file at",
            await StartErrorsAsync($"--WarmKeeper:DataProtection:CertificatePath={Path.Combine(_files.FullName, "missing.pfx")}"), StringComparison.Ordinal);
        Assert.Contains("with the WarmKeeper:DataProtection:CertificatePassword given",
            await StartErrorsAsync($"--WarmKeeper:DataProtection:CertificatePath={pfx}", "--WarmKeeper:DataProtection:CertificatePassword=wrong"), StringComparison.Ordinal);
        var noKey = await StartErrorsAsync($"--WarmKeeper:DataProtection:CertificatePath={publicOnly}", "--WarmKeeper:DataDirectory=");
        Assert.Contains("has no private key", noKey, StringComparison.Ordinal);
        // Listed with the other problems, not instead of them.
        Assert.Contains("WarmKeeper:DataDirectory", noKey, StringComparison.Ordinal);
    }

    public void Dispose() => _files.Delete(recursive: true);

    private async Task<string> StartErrorsAsync(params string[] args)
    {
        using var stderr = new StringWriter();
        var exit = await AgentCommandLine.RunAsync(
            ["--urls=http://127.0.0.1:0", $"--WarmKeeper:DataDirectory={Path.Combine(_files.FullName, "refused")}", .. args],
            TextWriter.Null, stderr, TestContext.Cancellation);
        Assert.Equal(AgentCommandLine.InvalidConfigurationExitCode, exit);
        return stderr.ToString();
    }

    private static IDataProtector Protector(AgentHost agent) =>
        agent.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("key-ring-test");

    private string WritePfx()
    {
        using var certificate = SelfSigned();
        var path = Path.Combine(_files.FullName, "ring.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, Password));
        return path;
    }

    private static X509Certificate2 SelfSigned()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=warmkeeper key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
    }
}
