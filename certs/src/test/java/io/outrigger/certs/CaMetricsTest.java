package io.outrigger.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The names a Prometheus scrape shows for issued, rejected and issuance time. */
class CaMetricsTest {

  @RegisterExtension static final Openssl openssl = new Openssl();

  @Test
  void scrapeShowsIssuedRejectedAndIssuanceTime(@TempDir Path dir) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    MeshCa ca = MeshCa.loadOrInit(dir, CaSettings.defaults(), registry);
    WorkloadIdentity caller = new WorkloadIdentity("default", "reviews");
    openssl.run(
        "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "k.pem");
    openssl.run(
        "req",
        "-new",
        "-key",
        "k.pem",
        "-subj",
        "/",
        "-addext",
        "subjectAltName=URI:" + caller.spiffeId("cluster.local").uri(),
        "-out",
        "ok.csr");
    openssl.run(
        "req",
        "-new",
        "-key",
        "k.pem",
        "-subj",
        "/",
        "-addext",
        "subjectAltName=URI:spiffe://cluster.local/ns/default/sa/ratings",
        "-out",
        "other.csr");

    ca.signCsrPem(openssl.read("ok.csr"), caller, Duration.ofHours(1));
    ca.issue(caller.spiffeId("cluster.local"), Duration.ofHours(1));
    assertThatThrownBy(() -> ca.signCsrPem(openssl.read("other.csr"), caller, Duration.ofHours(1)))
        .isInstanceOf(CsrRejectedException.class);

    String scrape = registry.scrape();
    assertThat(scrape)
        .contains("outrigger_ca_issued_total{path=\"csr\"} 1.0")
        .contains("outrigger_ca_issued_total{path=\"generate\"} 1.0")
        .contains("outrigger_ca_rejected_total{reason=\"identity_mismatch\"} 1.0")
        .contains("outrigger_ca_issuance_seconds_count{path=\"csr\"} 1")
        .contains("outrigger_ca_issuance_seconds_count{path=\"generate\"} 1")
        .contains(
            "outrigger_ca_crypto_backend{backend=\""
                + ca.cryptoBackend().settingName()
                + "\"} 1.0");
  }
}
