package io.outrigger.cni.kube;

import io.outrigger.cni.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The credentials of a kubeconfig's current context, with certificate and key material inline
 * ({@code *-data} fields). The installer writes the plugin's kubeconfig in JSON (valid YAML, so
 * kubectl reads it too) so that the plugin needs no YAML parser.
 *
 * @param token bearer token, or null when a client certificate is used
 */
public record Kubeconfig(
    String server, String caPem, String token, String clientCertPem, String clientKeyPem) {

  public static Kubeconfig read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "kubeconfig " + file + ": cannot read: " + e.getMessage(), e);
    }
    try {
      return fromJson(Json.parseObject(text));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("kubeconfig " + file + ": " + e.getMessage(), e);
    }
  }

  public static Kubeconfig fromJson(Map<String, Object> doc) {
    String contextName = (String) doc.get("current-context");
    Map<String, Object> context = named(doc, "contexts", contextName, "context");
    Map<String, Object> cluster =
        named(doc, "clusters", (String) context.get("cluster"), "cluster");
    Map<String, Object> user = named(doc, "users", (String) context.get("user"), "user");
    String server = (String) cluster.get("server");
    if (server == null) {
      throw new IllegalArgumentException("cluster has no server");
    }
    return new Kubeconfig(
        server,
        decode(cluster.get("certificate-authority-data")),
        (String) user.get("token"),
        decode(user.get("client-certificate-data")),
        decode(user.get("client-key-data")));
  }

  /** The JSON kubeconfig document for these credentials (one cluster, user and context). */
  public Map<String, Object> toJson() {
    Map<String, Object> cluster = new java.util.LinkedHashMap<>();
    cluster.put("server", server);
    if (caPem != null) {
      cluster.put("certificate-authority-data", encode(caPem));
    }
    Map<String, Object> user = new java.util.LinkedHashMap<>();
    if (token != null) {
      user.put("token", token);
    }
    if (clientCertPem != null) {
      user.put("client-certificate-data", encode(clientCertPem));
      user.put("client-key-data", encode(clientKeyPem));
    }
    Map<String, Object> doc = new java.util.LinkedHashMap<>();
    doc.put("apiVersion", "v1");
    doc.put("kind", "Config");
    doc.put("clusters", List.of(Map.of("name", "outrigger", "cluster", cluster)));
    doc.put("users", List.of(Map.of("name", "outrigger-cni", "user", user)));
    doc.put(
        "contexts",
        List.of(
            Map.of(
                "name",
                "outrigger",
                "context",
                Map.of("cluster", "outrigger", "user", "outrigger-cni"))));
    doc.put("current-context", "outrigger");
    return doc;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> named(
      Map<String, Object> doc, String listKey, String name, String field) {
    if (doc.get(listKey) instanceof List<?> list) {
      for (Object item : list) {
        if (item instanceof Map<?, ?> m
            && (name == null || name.equals(m.get("name")))
            && m.get(field) instanceof Map<?, ?> inner) {
          return (Map<String, Object>) inner;
        }
      }
    }
    throw new IllegalArgumentException("no " + field + " named '" + name + "' in " + listKey);
  }

  private static String decode(Object base64) {
    return base64 == null
        ? null
        : new String(Base64.getDecoder().decode((String) base64), StandardCharsets.US_ASCII);
  }

  private static String encode(String pem) {
    return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
  }
}
