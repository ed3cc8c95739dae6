package io.outrigger.certs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RenewalPolicyTest {

  @Test
  void renewsAtHalfLifeSpreadByJitter(@TempDir Path dir) {
    MeshCa ca = MeshCa.loadOrInit(dir, CaSettings.defaults());
    X509Certificate leaf =
        ca.issue(SpiffeId.parse("spiffe://cluster.local/ns/a/sa/b"), Duration.ofHours(10)).leaf();
    Instant notBefore = leaf.getNotBefore().toInstant();
    Duration life = Duration.between(notBefore, leaf.getNotAfter().toInstant());

    assertThat(new RenewalPolicy(0).renewAt(leaf)).isEqualTo(notBefore.plus(life.dividedBy(2)));

    RenewalPolicy policy = RenewalPolicy.defaults();
    Set<Instant> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      Instant at = policy.renewAt(leaf);
      assertThat(at)
          .isBetween(
              notBefore.plusMillis((long) (life.toMillis() * 0.45)),
              notBefore.plusMillis((long) (life.toMillis() * 0.55)));
      seen.add(at);
    }
    assertThat(seen).as("jitter spreads renewals").hasSizeGreaterThan(100);
    assertThat(policy.mustRenew(leaf, notBefore.plus(Duration.ofHours(1)))).isFalse();
    assertThat(policy.mustRenew(leaf, notBefore.plus(Duration.ofHours(6)))).isTrue();
  }

  @Test
  void aShortLivedLeafRenewsAtHalfTheLifeLeftWhenItArrivedNotHalfOfItsBackdatedLife(
      @TempDir Path dir) {
    MeshCa ca = MeshCa.loadOrInit(dir, CaSettings.defaults());
    Instant received = Instant.now();
    X509Certificate leaf =
        ca.issue(SpiffeId.parse("spiffe://cluster.local/ns/a/sa/b"), Duration.ofSeconds(20)).leaf();
    assertThat(leaf.getNotBefore().toInstant())
        .as("notBefore is backdated for clock skew")
        .isBefore(received.minusSeconds(30));

    Instant at = new RenewalPolicy(0).renewAt(leaf, received);

    // Counted from notBefore, half of (60 s backdate + 20 s) was over before the leaf even arrived.
    assertThat(at).isAfter(received.plusSeconds(9)).isBefore(received.plusSeconds(11));
    assertThat(new RenewalPolicy(0).renewAt(leaf)).isBefore(received);
  }
}
