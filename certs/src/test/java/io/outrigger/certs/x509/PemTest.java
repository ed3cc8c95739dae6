package io.outrigger.certs.x509;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.outrigger.certs.CaException;
import io.outrigger.certs.CaSettings;
import io.outrigger.certs.MeshCa;
import io.outrigger.certs.SpiffeId;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a file of certificates may hold, and how a file that holds something else is named. */
class PemTest {

  @Test
  void readsTheCertificatesOfAFileThatAlsoHoldsItsKey(@TempDir Path dir) {
    var issued =
        MeshCa.loadOrInit(dir, CaSettings.defaults())
            .issue(SpiffeId.parse("spiffe://cluster.local/ns/a/sa/b"), Duration.ofHours(1));
    String combined = issued.privateKeyPem() + issued.certificateChainPem();
    assertThat(Pem.readCertificates(combined, "combined.pem"))
        .containsExactlyElementsOf(issued.chain());
  }

  @Test
  void aFileWithoutACertificateIsNamedByWhatItHolds(@TempDir Path dir) {
    MeshCa.loadOrInit(dir, CaSettings.defaults());
    String key = KeyFiles.readSecret(dir.resolve("ca-key.pem"));
    assertThatThrownBy(() -> Pem.readCertificates(key, "ca-key.pem"))
        .isInstanceOf(CaException.class)
        .hasMessage("ca-key.pem: holds a private key (PEM 'PRIVATE KEY'), not a certificate");
    String ecKey = key.replace("PRIVATE KEY", "EC PRIVATE KEY");
    assertThatThrownBy(() -> Pem.readCertificates(ecKey, "k.pem"))
        .hasMessage("k.pem: holds a private key (PEM 'EC PRIVATE KEY'), not a certificate");
    String csr = "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n";
    assertThatThrownBy(() -> Pem.readCertificates(csr, "req.pem"))
        .hasMessage("req.pem: holds a PEM 'CERTIFICATE REQUEST', not a certificate");
    assertThatThrownBy(() -> Pem.readCertificates("not a certificate\n", "junk.pem"))
        .hasMessage("junk.pem: not PEM: no '-----BEGIN CERTIFICATE-----' line");
  }

  @Test
  void aBrokenCertificateIsNamedByItsPosition() {
    String broken = "-----BEGIN CERTIFICATE-----\nMIIBaGVsbG8=\n-----END CERTIFICATE-----\n";
    assertThatThrownBy(() -> Pem.readCertificates(broken, "chain.pem"))
        .isInstanceOf(CaException.class)
        .hasMessageStartingWith("chain.pem: certificate 1 is not a valid X.509 certificate: ");
  }
}
