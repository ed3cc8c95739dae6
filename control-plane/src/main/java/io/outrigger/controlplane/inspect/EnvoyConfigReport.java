package io.outrigger.controlplane.inspect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outrigger.controlplane.meshtarget.ProxyAdmin;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * What {@code proxy-config} shows: one section of a sidecar's own state, read from its admin API
 * ({@code /config_dump} for listeners, routes, clusters and secrets; {@code /clusters?format=json}
 * for endpoints), as Envoy's JSON ({@code -o json|yaml}) or a short table.
 */
public enum EnvoyConfigReport {
  LISTENERS("ListenersConfigDump"),
  ROUTES("RoutesConfigDump"),
  CLUSTERS("ClustersConfigDump"),
  ENDPOINTS(null),
  SECRET("SecretsConfigDump");

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The {@code @type} suffix of this section in /config_dump; null for endpoints. */
  private final String dumpType;

  EnvoyConfigReport(String dumpType) {
    this.dumpType = dumpType;
  }

  /** Envoy's JSON for this section, as the sidecar's admin gives it. */
  public JsonNode read(ProxyAdmin admin, String who) {
    if (dumpType == null) {
      return json(admin.get("/clusters?format=json"), who + " /clusters");
    }
    JsonNode dump = json(admin.get("/config_dump"), who + " /config_dump");
    for (JsonNode config : dump.path("configs")) {
      if (config.path("@type").asText().endsWith("." + dumpType)) {
        return config;
      }
    }
    throw new IllegalArgumentException(who + ": /config_dump has no " + dumpType);
  }

  private static JsonNode json(String body, String what) {
    try {
      return JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(what + ": not JSON: " + e.getOriginalMessage());
    }
  }

  public Table table(JsonNode section) {
    return switch (this) {
      case LISTENERS -> listeners(section);
      case ROUTES -> routes(section);
      case CLUSTERS -> clusters(section);
      case ENDPOINTS -> endpoints(section);
      case SECRET -> secrets(section);
    };
  }

  private static List<JsonNode> entries(
      JsonNode section, String staticField, String dynamicField, String inner) {
    List<JsonNode> out = new ArrayList<>();
    section.path(staticField).forEach(e -> out.add(e.path(inner)));
    for (JsonNode e : section.path(dynamicField)) {
      JsonNode active = e.has("active_state") ? e.path("active_state") : e;
      if (active.has(inner)) {
        out.add(active.path(inner));
      }
    }
    return out;
  }

  private static Table listeners(JsonNode section) {
    Table t = new Table("NAME", "ADDRESS", "PORT", "CHAINS", "DESTINATION");
    for (JsonNode l : entries(section, "static_listeners", "dynamic_listeners", "listener")) {
      JsonNode address = l.path("address").path("socket_address");
      List<String> destinations = new ArrayList<>();
      List<JsonNode> chains = new ArrayList<>();
      l.path("filter_chains").forEach(chains::add);
      if (l.has("default_filter_chain")) {
        chains.add(l.path("default_filter_chain"));
      }
      for (JsonNode chain : chains) {
        for (JsonNode filter : chain.path("filters")) {
          JsonNode config = filter.path("typed_config");
          String routeName = config.path("rds").path("route_config_name").asText("");
          String dest =
              !routeName.isEmpty()
                  ? "Route: " + routeName
                  : config.has("route_config")
                      ? ("Inline Route " + config.path("route_config").path("name").asText())
                          .strip()
                      : config.has("cluster")
                          ? "Cluster: " + config.path("cluster").asText()
                          : null;
          if (dest != null && !destinations.contains(dest)) {
            destinations.add(dest);
          }
        }
      }
      t.row(
          l.path("name").asText(),
          address.path("address").asText(),
          address.path("port_value").asText(),
          chains.size(),
          abbreviate(destinations));
    }
    return t;
  }

  private static Table routes(JsonNode section) {
    Table t = new Table("NAME", "VHOST NAME", "DOMAINS", "MATCH", "DESTINATION");
    for (JsonNode rc :
        entries(section, "static_route_configs", "dynamic_route_configs", "route_config")) {
      for (JsonNode vhost : rc.path("virtual_hosts")) {
        List<String> domains = new ArrayList<>();
        vhost.path("domains").forEach(d -> domains.add(d.asText()));
        for (JsonNode route : vhost.path("routes")) {
          t.row(
              orDash(rc.path("name").asText()),
              vhost.path("name").asText(),
              domains(domains),
              match(route.path("match")),
              destination(route));
        }
      }
    }
    return t;
  }

  private static String match(JsonNode m) {
    String path =
        m.has("prefix")
            ? m.path("prefix").asText() + "*"
            : m.has("path")
                ? m.path("path").asText()
                : m.has("safe_regex")
                    ? "regex " + m.path("safe_regex").path("regex").asText()
                    : "*";
    List<String> headers = new ArrayList<>();
    for (JsonNode h : m.path("headers")) {
      JsonNode sm = h.path("string_match");
      String value =
          sm.has("exact")
              ? "=" + sm.path("exact").asText()
              : sm.has("prefix")
                  ? "^=" + sm.path("prefix").asText()
                  : sm.has("safe_regex") ? "~=" + sm.path("safe_regex").path("regex").asText() : "";
      headers.add(h.path("name").asText() + value);
    }
    return headers.isEmpty() ? path : path + " " + String.join(" ", headers);
  }

  private static String destination(JsonNode route) {
    JsonNode r = route.path("route");
    if (r.has("cluster")) {
      return r.path("cluster").asText();
    }
    if (r.has("weighted_clusters")) {
      List<String> parts = new ArrayList<>();
      r.path("weighted_clusters")
          .path("clusters")
          .forEach(c -> parts.add(c.path("name").asText() + " " + c.path("weight").asText() + "%"));
      return String.join(", ", parts);
    }
    return route.has("direct_response")
        ? "direct response " + route.path("direct_response").path("status").asText()
        : route.has("redirect") ? "redirect" : "-";
  }

  private static Table clusters(JsonNode section) {
    Table t = new Table("SERVICE FQDN", "PORT", "SUBSET", "DIRECTION", "TYPE");
    for (JsonNode c : entries(section, "static_clusters", "dynamic_active_clusters", "cluster")) {
      String name = c.path("name").asText();
      String type =
          c.has("type") ? c.path("type").asText() : c.has("cluster_type") ? "CUSTOM" : "STATIC";
      String[] parts = name.split("\\|", -1);
      if (parts.length == 4 && (parts[0].equals("outbound") || parts[0].equals("inbound"))) {
        t.row(orDash(parts[3]), parts[1], parts[2].isEmpty() ? "-" : parts[2], parts[0], type);
      } else {
        t.row(name, "-", "-", "-", type);
      }
    }
    return t;
  }

  private static Table endpoints(JsonNode clusters) {
    Table t = new Table("ENDPOINT", "STATUS", "OUTLIER CHECK", "CLUSTER");
    for (JsonNode c : clusters.path("cluster_statuses")) {
      for (JsonNode h : c.path("host_statuses")) {
        JsonNode a = h.path("address").path("socket_address");
        JsonNode health = h.path("health_status");
        t.row(
            a.path("address").asText() + ":" + a.path("port_value").asText(),
            health
                .path("eds_health_status")
                .asText(
                    health.path("failed_active_health_check").asBoolean()
                        ? "UNHEALTHY"
                        : "HEALTHY"),
            health.path("failed_outlier_check").asBoolean() ? "FAILED" : "OK",
            c.path("name").asText());
      }
    }
    return t;
  }

  private static Table secrets(JsonNode section) {
    Table t =
        new Table(
            "RESOURCE NAME",
            "TYPE",
            "STATUS",
            "VALID CERT",
            "SERIAL NUMBER",
            "NOT AFTER",
            "NOT BEFORE");
    secretRows(t, section.path("static_secrets"), "ACTIVE");
    secretRows(t, section.path("dynamic_active_secrets"), "ACTIVE");
    secretRows(t, section.path("dynamic_warming_secrets"), "WARMING");
    return t;
  }

  private static void secretRows(Table t, JsonNode entries, String status) {
    for (JsonNode e : entries) {
      JsonNode secret = e.path("secret");
      String type;
      JsonNode pem;
      if (secret.has("tls_certificate")) {
        type = "Cert Chain";
        pem = secret.path("tls_certificate").path("certificate_chain");
      } else {
        type = "CA";
        pem = secret.path("validation_context").path("trusted_ca");
      }
      X509Certificate cert = firstCertificate(pem);
      if (cert == null) {
        t.row(e.path("name").asText(), type, status, "false", "-", "-", "-");
      } else {
        boolean valid =
            cert.getNotAfter().toInstant().isAfter(java.time.Instant.now())
                && cert.getNotBefore().toInstant().isBefore(java.time.Instant.now());
        t.row(
            e.path("name").asText(),
            type,
            status,
            valid,
            cert.getSerialNumber().toString(16).toLowerCase(Locale.ROOT),
            cert.getNotAfter().toInstant(),
            cert.getNotBefore().toInstant());
      }
    }
  }

  /**
   * Envoy prints a DataSource as inline_bytes (base64) or inline_string; a file name is not read
   * here.
   */
  private static X509Certificate firstCertificate(JsonNode source) {
    byte[] pem =
        source.has("inline_bytes")
            ? Base64.getDecoder().decode(source.path("inline_bytes").asText())
            : source.has("inline_string")
                ? source.path("inline_string").asText().getBytes(StandardCharsets.UTF_8)
                : null;
    if (pem == null) {
      return null;
    }
    try {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(new ByteArrayInputStream(pem));
    } catch (CertificateException | IllegalArgumentException e) {
      return null;
    }
  }

  private static String orDash(String value) {
    return value.isEmpty() ? "-" : value;
  }

  /** As istioctl: the first domain and how many more. */
  private static String domains(List<String> domains) {
    return domains.isEmpty()
        ? "-"
        : domains.size() == 1
            ? domains.getFirst()
            : domains.getFirst() + " +" + (domains.size() - 1) + " more";
  }

  private static String abbreviate(List<String> items) {
    if (items.isEmpty()) {
      return "-";
    }
    return items.size() <= 2
        ? String.join(", ", items)
        : items.get(0) + ", " + items.get(1) + " +" + (items.size() - 2) + " more";
  }
}
