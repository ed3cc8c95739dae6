package io.outrigger.controlplane.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The states proxy-status derives from a /debug/syncz document, including the ones a healthy
 * running mesh does not show (NOT SENT: a type never requested; STALE in flight: sent, no answer
 * yet). The running mesh's SYNCED and NACKed STALE are tested end to end in istio-compat-tests'
 * InspectionCommandsTest.
 */
class ProxyStatusReportTest {
  private static final String SYNCZ =
      """
      {"meshVersion": 7, "proxies": [{
        "proxy": "sidecar~198.18.0.3~reviews-v1.bookinfo~bookinfo.svc.cluster.local",
        "identity": "bookinfo/bookinfo-reviews", "authenticated": true, "protocol": "delta", "stream": 4,
        "connectedAt": "2026-12-06T00:00:00Z",
        "types": {
          "Cluster": {"sent": "aaaa1111bbbb", "acked": "aaaa1111bbbb", "resources": 3, "inSync": true},
          "Listener": {"sent": "cccc2222", "acked": "dddd3333", "resources": 2, "inSync": false},
          "RouteConfiguration": {"sent": "eeee4444", "acked": "ffff5555", "resources": 1, "inSync": false,
            "lastNack": {"version": "eeee4444", "error": "bad repetition operator: ++", "at": "2026-12-06T00:01:00Z"}},
          "Secret": {"sent": "9999", "acked": "9999", "resources": 2, "inSync": true,
            "lastNack": {"version": "8888", "error": "older", "at": "2026-12-06T00:00:30Z"}}
        }}],
       "configErrors": [{"kind": "VirtualService", "namespace": "bookinfo", "name": "reviews",
         "reason": "http[0]: route weights sum to 90, must be 100",
         "message": "VirtualService bookinfo/reviews: http[0]: route weights sum to 90, must be 100"}]}
      """;

  @Test
  void statesPerType() throws Exception {
    JsonNode report =
        ProxyStatusReport.of(
            new ObjectMapper().readTree(SYNCZ),
            "http://127.0.0.1:15014",
            List.of("sidecar~198.18.0.3~reviews-v1.bookinfo~bookinfo.svc.cluster.local"));
    JsonNode p = report.path("proxies").get(0);
    assertThat(report.path("proxies")).hasSize(1);
    assertThat(p.path("name").asText()).isEqualTo("reviews-v1.bookinfo");
    assertThat(p.path("pod").asText()).isEqualTo("reviews-v1");
    assertThat(p.path("namespace").asText()).isEqualTo("bookinfo");
    assertThat(p.at("/types/CDS/state").asText()).isEqualTo("SYNCED");
    assertThat(p.at("/types/LDS/state").asText()).isEqualTo("STALE");
    assertThat(p.at("/types/EDS/state").asText()).isEqualTo("NOT SENT");
    assertThat(p.at("/types/RDS/lastNack/error").asText()).isEqualTo("bad repetition operator: ++");
    assertThat(p.at("/types/SDS/state").asText())
        .as("a NACK stays visible after a later ACK")
        .isEqualTo("SYNCED");

    assertThat(ProxyStatusReport.table(report))
        .isEqualTo(
            """
        NAME                  CDS      LDS                                     EDS        RDS                                     SDS      LAST NACK
        reviews-v1.bookinfo   SYNCED   STALE (sent cccc2222, acked dddd3333)   NOT SENT   STALE (sent eeee4444, acked ffff5555)   SYNCED   RDS eeee4444: bad repetition operator: ++

        config errors (the last good version of each object stays in force):
          VirtualService bookinfo/reviews: http[0]: route weights sum to 90, must be 100
        """);
  }

  @Test
  void anExpectedSidecarWithoutAStreamIsNotConnected() throws Exception {
    JsonNode report =
        ProxyStatusReport.of(
            new ObjectMapper().readTree("{\"meshVersion\": 1, \"proxies\": []}"),
            "http://127.0.0.1:15014",
            List.of("sidecar~198.18.0.9~ratings-v1.bookinfo~bookinfo.svc.cluster.local"));
    assertThat(report.at("/proxies/0/name").asText()).isEqualTo("ratings-v1.bookinfo");
    assertThat(report.at("/proxies/0/types").findValuesAsText("state"))
        .containsOnly("NOT CONNECTED")
        .hasSize(5);
  }
}
