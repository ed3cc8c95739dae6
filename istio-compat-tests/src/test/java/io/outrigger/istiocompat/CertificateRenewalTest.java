package io.outrigger.istiocompat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outrigger.testsupport.EnvoyExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Workload certificates are short-lived and replaced by an SDS push before they expire: with a 20 s
 * TTL, each sidecar's {@code default} certificate (as Envoy's admin {@code /certs} shows it) is
 * replaced at about half its life, not sooner and not after expiry, and mTLS between the sidecars
 * keeps working on the new one.
 */
class CertificateRenewalTest {
  @RegisterExtension static final EnvoyExtension ENVOYS = new EnvoyExtension();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final MeshWorkload PRODUCTPAGE = Bookinfo.PRODUCTPAGE;
  private static final MeshWorkload REVIEWS = Bookinfo.REVIEWS_V1;
  private static final Duration TTL = Duration.ofSeconds(20);

  /** One certificate Envoy holds: its serial and when it expires. */
  private record HeldCertificate(String serial, Instant expires) {}

  @Test
  void sidecarCertificatesAreRenewedByAPushAtAboutHalfTheirLifeAndMtlsKeepsWorking() {
    try (HostModeMesh mesh =
        HostModeMesh.start(
            ENVOYS,
            HostModeMesh.Options.DEFAULTS.withControlPlaneSettings(
                settings -> settings.withWorkloadCertTtl(TTL)),
            List.of(),
            List.of(PRODUCTPAGE, REVIEWS),
            List.of())) {
      MeshedPod client = mesh.pod(PRODUCTPAGE.name());
      String spiffeId = PRODUCTPAGE.spiffeId(mesh.trustDomain());
      HeldCertificate first =
          await()
              .atMost(Duration.ofSeconds(10))
              .until(() -> held(client, spiffeId), c -> c != null);
      Instant issued = first.expires().minus(TTL);
      assertThat(PodHttp.echo(client.pod(), ServiceAddress.REVIEWS, "/", Map.of()).name())
          .isEqualTo(REVIEWS.name());

      AtomicReference<Instant> replacedAt = new AtomicReference<>();
      HeldCertificate second =
          await()
              .atMost(TTL)
              .pollInterval(Duration.ofMillis(200))
              .until(
                  () -> held(client, spiffeId),
                  c -> {
                    boolean replaced = c != null && !c.serial().equals(first.serial());
                    if (replaced) {
                      replacedAt.set(Instant.now());
                    }
                    return replaced;
                  });

      // Renewal at 45-55 % of the life, pushed in the next 5 s slot: between 9 and 16 s after issue
      // here.
      assertThat(replacedAt.get())
          .as("replaced before the first certificate expired at %s", first.expires())
          .isBefore(first.expires())
          .isAfter(issued.plus(TTL.multipliedBy(40).dividedBy(100)));
      assertThat(second.expires()).isAfter(first.expires());
      assertThat(
              PodHttp.echo(client.pod(), ServiceAddress.REVIEWS, "/", Map.of())
                  .header("x-forwarded-client-cert"))
          .as("mTLS on the renewed certificate")
          .hasValueSatisfying(xfcc -> assertThat(xfcc).contains(spiffeId));
      SidecarChecks.assertNoNackAndValid(mesh);
    }
  }

  /**
   * The workload certificate the sidecar holds now, from {@code /certs}; null before it has one.
   * Every TLS context of the sidecar uses the same SDS secret, so all of them must agree.
   */
  private static HeldCertificate held(MeshedPod pod, String spiffeId) {
    JsonNode certs;
    try {
      certs = JSON.readTree(pod.sidecar().admin().get("/certs"));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "sidecar of " + pod.workload().name() + ": /certs is not JSON", e);
    }
    Set<String> serials = new TreeSet<>();
    HeldCertificate found = null;
    for (JsonNode context : certs.path("certificates")) {
      for (JsonNode cert : context.path("cert_chain")) {
        if (cert.path("subject_alt_names").toString().contains(spiffeId)) {
          serials.add(cert.path("serial_number").asText());
          found =
              new HeldCertificate(
                  cert.path("serial_number").asText(),
                  Instant.parse(cert.path("expiration_time").asText()));
        }
      }
    }
    // Contexts are updated one by one on a push; a moment with two serials is a renewal in
    // progress.
    return serials.size() == 1 ? found : null;
  }
}
