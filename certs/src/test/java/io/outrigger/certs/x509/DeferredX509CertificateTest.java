package io.outrigger.certs.x509;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.outrigger.certs.CaSettings;
import io.outrigger.certs.MeshCa;
import io.outrigger.certs.SpiffeId;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.security.SignatureException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An issued leaf is handed out unparsed; whatever is asked of it must be exactly what the JDK's own
 * parse of the same bytes answers, and it must be interchangeable with that parse.
 */
class DeferredX509CertificateTest {

  private static final SpiffeId REVIEWS =
      SpiffeId.parse("spiffe://cluster.local/ns/default/sa/reviews");

  @TempDir Path caDir;

  @Test
  void answersLikeTheJdkParseOfTheSameBytes() throws Exception {
    MeshCa ca = MeshCa.loadOrInit(caDir, CaSettings.defaults());
    X509Certificate leaf =
        ca.issueServing(REVIEWS, List.of("ca.outrigger.svc"), Duration.ofHours(1)).leaf();
    assertThat(leaf).isInstanceOf(DeferredX509Certificate.class);
    X509Certificate jdk =
        (X509Certificate)
            CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(leaf.getEncoded()));

    assertThat(leaf).isEqualTo(jdk).hasSameHashCodeAs(jdk);
    assertThat(jdk).isEqualTo(leaf);
    assertThat(Set.of(leaf)).contains(jdk);
    assertThat(leaf.toString()).isEqualTo(jdk.toString());
    assertThat(leaf.getSerialNumber()).isEqualTo(jdk.getSerialNumber());
    assertThat(leaf.getVersion()).isEqualTo(3);
    assertThat(leaf.getIssuerX500Principal())
        .isEqualTo(ca.caCertificate().getSubjectX500Principal());
    assertThat(leaf.getSubjectX500Principal()).isEqualTo(jdk.getSubjectX500Principal());
    assertThat(leaf.getNotBefore()).isEqualTo(jdk.getNotBefore());
    assertThat(leaf.getNotAfter()).isEqualTo(jdk.getNotAfter());
    assertThat(leaf.getTBSCertificate()).isEqualTo(jdk.getTBSCertificate());
    assertThat(leaf.getSignature()).isEqualTo(jdk.getSignature());
    assertThat(leaf.getSigAlgName()).isEqualTo("SHA256withECDSA");
    assertThat(leaf.getSigAlgOID()).isEqualTo(jdk.getSigAlgOID());
    assertThat(leaf.getKeyUsage()).isEqualTo(jdk.getKeyUsage());
    assertThat(leaf.getExtendedKeyUsage()).isEqualTo(jdk.getExtendedKeyUsage());
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    assertThat(leaf.getSubjectAlternativeNames()).isEqualTo(jdk.getSubjectAlternativeNames());
    assertThat(leaf.getCriticalExtensionOIDs()).isEqualTo(jdk.getCriticalExtensionOIDs());
    assertThat(leaf.getNonCriticalExtensionOIDs()).isEqualTo(jdk.getNonCriticalExtensionOIDs());
    assertThat(leaf.getExtensionValue("2.5.29.17")).isEqualTo(jdk.getExtensionValue("2.5.29.17"));
    assertThat(leaf.hasUnsupportedCriticalExtension()).isFalse();
    assertThat(leaf.getPublicKey()).isEqualTo(jdk.getPublicKey());
    leaf.checkValidity();
    leaf.verify(ca.caCertificate().getPublicKey());
    assertThatThrownBy(() -> leaf.verify(leaf.getPublicKey()))
        .isInstanceOf(SignatureException.class);
  }

  @Test
  void encodingIsACopy() throws Exception {
    MeshCa ca = MeshCa.loadOrInit(caDir, CaSettings.defaults());
    X509Certificate leaf = ca.issue(REVIEWS, Duration.ofHours(1)).leaf();
    byte[] first = leaf.getEncoded();
    first[0] ^= 0x01;
    assertThat(leaf.getEncoded()).isNotEqualTo(first);
  }
}
