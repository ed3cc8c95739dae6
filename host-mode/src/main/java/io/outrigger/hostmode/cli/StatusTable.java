package io.outrigger.hostmode.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;

/** The pods of a mesh as {@code mesh status} prints them. */
final class StatusTable {
  private StatusTable() {}

  static void print(JsonNode status, PrintWriter out) {
    String format = "%-12s %-24s %-15s %-6s %-8s %-7s %s%n";
    out.printf(format, "NAMESPACE", "NAME", "IP", "READY", "SIDECAR", "SYNCED", "RESTARTS");
    for (JsonNode p : status.path("pods")) {
      boolean sidecar = p.path("sidecar").asBoolean();
      out.printf(
          format,
          p.path("namespace").asText(),
          p.path("name").asText(),
          p.path("ip").asText(),
          p.path("ready").asBoolean() ? "yes" : "no",
          sidecar ? "yes" : "no",
          !sidecar ? "-" : p.path("synced").asBoolean() ? "yes" : "no",
          p.path("restarts").asInt());
    }
    out.flush();
  }
}
