package io.outrigger.controlplane.inspect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.controlplane.xds.XdsTypes;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@code proxy-status} shows, made from the control plane's {@code /debug/syncz}: per
 * connected proxy and xDS type, SYNCED (the proxy ACKed the last version sent), NOT SENT (nothing
 * of that type was sent yet) or STALE (a version was sent and not ACKed: still in flight, or
 * NACKed), with both versions and the type's last NACK, as {@code istioctl proxy-status} shows
 * them.
 */
public final class ProxyStatusReport {
  public static final String SYNCED = "SYNCED";
  public static final String NOT_SENT = "NOT SENT";
  public static final String STALE = "STALE";

  /** A sidecar the mesh runs that has no stream to the control plane. */
  public static final String NOT_CONNECTED = "NOT CONNECTED";

  /** Istio's column names for the syncz type names, in istioctl's column order. */
  static final Map<String, String> TYPES = new LinkedHashMap<>();

  static {
    TYPES.put("CDS", XdsTypes.shortName(XdsTypes.CLUSTER));
    TYPES.put("LDS", XdsTypes.shortName(XdsTypes.LISTENER));
    TYPES.put("EDS", XdsTypes.shortName(XdsTypes.ENDPOINT));
    TYPES.put("RDS", XdsTypes.shortName(XdsTypes.ROUTE));
    TYPES.put("SDS", XdsTypes.shortName(XdsTypes.SECRET));
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int NACK_WIDTH = 80;

  private ProxyStatusReport() {}

  /**
   * The {@code -o json|yaml} document; the table is made from it too.
   *
   * @param expected node ids of sidecars that should be connected; each one that is not gets a row
   *     with every type NOT CONNECTED
   */
  public static ObjectNode of(JsonNode syncz, String controlPlane, List<String> expected) {
    ObjectNode report = JSON.createObjectNode();
    report.put("controlPlane", controlPlane);
    report.put("meshVersion", syncz.path("meshVersion").asLong());
    ArrayNode proxies = report.putArray("proxies");
    Set<String> connected = new HashSet<>();
    for (JsonNode p : syncz.path("proxies")) {
      proxies.add(proxy(p));
      connected.add(p.path("proxy").asText());
    }
    for (String id : expected) {
      if (!connected.contains(id)) {
        ObjectNode missing = proxy(JSON.createObjectNode().put("proxy", id));
        missing.putNull("identity");
        missing.putNull("protocol");
        TYPES
            .keySet()
            .forEach(t -> ((ObjectNode) missing.path("types").path(t)).put("state", NOT_CONNECTED));
        proxies.add(missing);
      }
    }
    report.set(
        "configErrors",
        syncz.path("configErrors").isArray() ? syncz.get("configErrors") : JSON.createArrayNode());
    return report;
  }

  private static ObjectNode proxy(JsonNode p) {
    ObjectNode out = JSON.createObjectNode();
    String id = p.path("proxy").asText();
    String[] parts = id.split("~");
    // Istio's node id: sidecar~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local
    String podDotNs = parts.length == 4 ? parts[2] : id;
    String namespace = parts.length == 4 ? parts[3].split("\\.")[0] : "";
    String pod =
        namespace.isEmpty() || !podDotNs.endsWith("." + namespace)
            ? podDotNs
            : podDotNs.substring(0, podDotNs.length() - namespace.length() - 1);
    out.put("name", podDotNs);
    out.put("namespace", namespace);
    out.put("pod", pod);
    out.put("proxy", id);
    out.put("identity", p.path("identity").asText());
    out.put("authenticated", p.path("authenticated").asBoolean());
    out.put("protocol", p.path("protocol").asText());
    out.put("connectedAt", p.path("connectedAt").asText(null));
    ObjectNode types = out.putObject("types");
    for (Map.Entry<String, String> t : TYPES.entrySet()) {
      types.set(t.getKey(), type(p.path("types").path(t.getValue())));
    }
    return out;
  }

  private static ObjectNode type(JsonNode t) {
    ObjectNode out = JSON.createObjectNode();
    String sent = t.path("sent").asText("");
    String acked = t.path("acked").asText("");
    String state =
        sent.isEmpty()
            ? NOT_SENT
            : t.path("inSync").asBoolean(false) && sent.equals(acked) ? SYNCED : STALE;
    out.put("state", state);
    out.put("sent", sent);
    out.put("acked", acked);
    out.put("resources", t.path("resources").asInt(0));
    JsonNode nack = t.path("lastNack");
    out.set("lastNack", nack.isObject() ? nack : null);
    return out;
  }

  /**
   * The default output: one row per proxy, a column per type, the newest NACK, then config errors.
   */
  public static String table(JsonNode report) {
    Table table = new Table("NAME", "CDS", "LDS", "EDS", "RDS", "SDS", "LAST NACK");
    for (JsonNode p : report.path("proxies")) {
      Object[] row = new Object[7];
      row[0] = p.path("name").asText();
      int i = 1;
      String lastNack = "";
      String lastNackAt = "";
      for (String type : TYPES.keySet()) {
        JsonNode t = p.path("types").path(type);
        String state = t.path("state").asText();
        row[i++] =
            STALE.equals(state)
                ? STALE
                    + " (sent "
                    + shortVersion(t.path("sent").asText())
                    + ", acked "
                    + shortVersion(t.path("acked").asText())
                    + ")"
                : state;
        JsonNode nack = t.path("lastNack");
        if (nack.isObject() && nack.path("at").asText("").compareTo(lastNackAt) > 0) {
          lastNackAt = nack.path("at").asText();
          lastNack =
              type
                  + " "
                  + shortVersion(nack.path("version").asText())
                  + ": "
                  + nack.path("error").asText();
        }
      }
      row[6] =
          lastNack.length() > NACK_WIDTH ? lastNack.substring(0, NACK_WIDTH - 3) + "..." : lastNack;
      table.row(row);
    }
    StringBuilder out = new StringBuilder(table.render());
    JsonNode errors = report.path("configErrors");
    if (!errors.isEmpty()) {
      out.append("\nconfig errors (the last good version of each object stays in force):\n");
      errors.forEach(e -> out.append("  ").append(e.path("message").asText()).append('\n'));
    }
    return out.toString();
  }

  private static String shortVersion(String version) {
    return version.isEmpty() ? "-" : version.length() > 8 ? version.substring(0, 8) : version;
  }
}
