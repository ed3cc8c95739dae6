package io.outrigger.hostmode.pod;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The kubelet's httpGet and tcpSocket probes, made from the host to the pod's address. */
final class Probes {
  /** Kubernetes' default {@code periodSeconds}. */
  static final Duration DEFAULT_PERIOD = Duration.ofSeconds(10);

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private Probes() {}

  interface Probe {
    boolean passes(String podIp);

    /** The probe's {@code periodSeconds}: how often the kubelet repeats it. */
    default Duration period() {
      return DEFAULT_PERIOD;
    }
  }

  /** A probe of a pod's spec, with the spec's period. */
  private abstract static class Periodic implements Probe {
    private final Duration period;

    Periodic(Duration period) {
      this.period = period;
    }

    @Override
    public final Duration period() {
      return period;
    }
  }

  static Probe of(JsonNode spec) {
    // PodChecks refused a period below 1 s before the pod started.
    Duration period =
        spec.has("periodSeconds")
            ? Duration.ofSeconds(spec.path("periodSeconds").asLong())
            : DEFAULT_PERIOD;
    if (spec.has("httpGet")) {
      JsonNode get = spec.path("httpGet");
      int port = get.path("port").asInt();
      String path = get.path("path").asText("/");
      return new Periodic(period) {
        @Override
        public boolean passes(String podIp) {
          String host = get.path("host").asText(podIp);
          try {
            HttpResponse<Void> r =
                HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
                        .timeout(Duration.ofSeconds(2))
                        .build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() >= 200 && r.statusCode() < 400;
          } catch (IOException e) {
            return false;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        }

        @Override
        public String toString() {
          return "httpGet :" + port + path;
        }
      };
    }
    int port = spec.path("tcpSocket").path("port").asInt();
    return new Periodic(period) {
      @Override
      public boolean passes(String podIp) {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress(podIp, port), 1000);
          return true;
        } catch (IOException e) {
          return false;
        }
      }

      @Override
      public String toString() {
        return "tcpSocket :" + port;
      }
    };
  }
}
