using System.Globalization;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using WarmKeeper.Core.Warmup;
using Xunit;

namespace WarmKeeper.Core.Tests.Warmup;

public sealed class AgentPingProofTests
{
    private static readonly byte[] Ping = Encoding.UTF8.GetBytes("""{"warmkeeper":{"warmup":true}}""");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-02T00:00:00Z", CultureInfo.InvariantCulture));

    [Fact]
    public void A_proof_holds_once_for_the_call_it_was_signed_for()
    {
        var proof = AgentPingProof.WithRandomSecret(_time);
        var header = proof.Sign("orders", "live", Ping);
        Assert.True(proof.Verify(header, "orders", "live", Ping));
        Assert.False(proof.Verify(header, "orders", "live", Ping)); // replayed
    }

    [Fact]
    public void A_proof_copied_to_another_call_fails()
    {
        var proof = AgentPingProof.WithRandomSecret(_time);
        Assert.False(proof.Verify(proof.Sign("orders", "live", Ping), "orders", "live", Encoding.UTF8.GetBytes("""{"warmer":true}""")));
        Assert.False(proof.Verify(proof.Sign("orders", "live", Ping), "payments", "live", Ping));
        Assert.False(proof.Verify(proof.Sign("orders", "live", Ping), "orders", null, Ping));
    }

    [Fact]
    public void A_proof_of_another_secret_or_outside_the_window_fails_and_garbage_never_throws()
    {
        var proof = AgentPingProof.WithRandomSecret(_time);
        Assert.False(proof.Verify(AgentPingProof.WithRandomSecret(_time).Sign("orders", null, Ping), "orders", null, Ping));

        var old = proof.Sign("orders", null, Ping);
        _time.Advance(AgentPingProof.Validity + TimeSpan.FromMilliseconds(1));
        Assert.False(proof.Verify(old, "orders", null, Ping));

        // Signed on a clock a minute ahead of the verifier's: outside the window either way.
        var ahead = new FakeTimeProvider(_time.GetUtcNow() + AgentPingProof.Validity * 2);
        var fromTheFuture = new AgentPingProof(new byte[32], ahead).Sign("orders", null, Ping);
        Assert.False(new AgentPingProof(new byte[32], _time).Verify(fromTheFuture, "orders", null, Ping));
        Assert.True(new AgentPingProof(new byte[32], ahead).Verify(fromTheFuture, "orders", null, Ping));

        foreach (var garbage in new[] { null, "", "v1", "v1.1.2.3", "v1.x.00000000000000000000000000000000.AAAA", new string('a', 300), "v2.0.00000000000000000000000000000000.AAAA" })
        {
            Assert.False(proof.Verify(garbage, "orders", null, Ping));
        }
    }

    [Fact]
    public void Agents_sharing_a_secret_recognise_each_others_pings()
    {
        var secret = new byte[32];
        secret[0] = 7;
        var controller = new AgentPingProof(secret, _time);
        var sidecar = new AgentPingProof(secret, _time);
        Assert.True(sidecar.Verify(controller.Sign("orders", null, Ping), "orders", null, Ping));
        Assert.Throws<ArgumentException>(() => new AgentPingProof(new byte[31], _time));
    }
}
