package io.outrigger.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.outrigger.certs.x509.Pem;
import io.outrigger.hostnet.ExecResult;
import java.nio.file.Path;
import java.security.cert.CertPathValidatorException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Root rotation: both roots verify during the overlap, only the new one after the old is dropped.
 */
class RootRotationTest {

  private static final SpiffeId ID =
      SpiffeId.parse("spiffe://cluster.local/ns/default/sa/productpage");
  @RegisterExtension static final Openssl openssl = new Openssl();

  @Test
  void leavesOfBothRootsVerifyDuringTheOverlapAndOnlyNewOnesAfter(@TempDir Path dir)
      throws Exception {
    MeshCa before = MeshCa.loadOrInit(dir, CaSettings.defaults());
    X509Certificate oldRoot = before.signingRoot();
    List<X509Certificate> oldLeaf = before.issue(ID, Duration.ofHours(1)).chain();

    MeshCa during = before.rotateRoot();
    X509Certificate newRoot = during.signingRoot();
    List<X509Certificate> newLeaf = during.issue(ID, Duration.ofHours(1)).chain();
    assertThat(newRoot).isNotEqualTo(oldRoot);
    assertThat(during.trustBundle().roots()).containsExactly(newRoot, oldRoot);

    // Overlap: the bundle (also as reloaded from disk) verifies both.
    TrustBundle reloaded = MeshCa.loadOrInit(dir, CaSettings.defaults()).trustBundle();
    assertThat(reloaded).isEqualTo(during.trustBundle());
    for (List<X509Certificate> leaf : List.of(oldLeaf, newLeaf)) {
      Pkix.validate(leaf, during.trustBundle());
      assertThat(opensslVerify(during.trustBundle(), leaf).exitCode()).isZero();
    }

    // After: the old root is gone; old leaves fail, new ones pass.
    MeshCa after = during.withoutRoot(oldRoot);
    assertThat(after.trustBundle().roots()).containsExactly(newRoot);
    Pkix.validate(newLeaf, after.trustBundle());
    assertThat(opensslVerify(after.trustBundle(), newLeaf).exitCode()).isZero();
    assertThatThrownBy(() -> Pkix.validate(oldLeaf, after.trustBundle()))
        .isInstanceOf(CertPathValidatorException.class);
    ExecResult oldVerify = opensslVerify(after.trustBundle(), oldLeaf);
    assertThat(oldVerify.exitCode()).isNotZero();
    assertThat(oldVerify.stdout() + oldVerify.stderr())
        .contains("unable to get local issuer certificate");
    assertThat(MeshCa.loadOrInit(dir, CaSettings.defaults()).trustBundle().roots())
        .containsExactly(newRoot);
  }

  @Test
  void theSigningRootCannotBeDropped(@TempDir Path dir) {
    MeshCa ca = MeshCa.loadOrInit(dir, CaSettings.defaults()).rotateRoot();
    assertThatThrownBy(() -> ca.withoutRoot(ca.signingRoot()))
        .isInstanceOf(CaException.class)
        .hasMessageContaining("still issues this CA's certificates");
  }

  @Test
  void aPlugInIntermediateIsRotatedByReplacingItsFiles(@TempDir Path dir) {
    TestCas.opensslIntermediate(openssl, dir);
    MeshCa ca = MeshCa.loadOrInit(dir, CaSettings.defaults());
    assertThatThrownBy(ca::rotateRoot)
        .isInstanceOf(CaException.class)
        .hasMessageContaining("plug-in intermediate");
  }

  private static ExecResult opensslVerify(TrustBundle bundle, List<X509Certificate> chain) {
    return openssl.verify(
        bundle.pem(),
        chain.subList(1, chain.size()).stream().map(Pem::certificate).toList(),
        Pem.certificate(chain.get(0)));
  }
}
