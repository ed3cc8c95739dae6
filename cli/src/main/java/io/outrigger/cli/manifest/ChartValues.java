package io.outrigger.cli.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.outrigger.injector.yaml.KubeYaml;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The chart's values as Helm merges them: the chart's own values.yaml (bundled in the jar from
 * manifests/charts/outrigger), then each {@code -f} file, then each {@code --set key.path=value}. A
 * key that is not in the chart's values.yaml is an error (a typo must not silently do nothing),
 * except below the free-form maps ({@code controlPlane.resources}).
 */
public final class ChartValues {

  /**
   * Where the chart's values.yaml and crds/ are on the classpath (copied there by the cli module's
   * build).
   */
  static final String CHART_RESOURCE = "/io/outrigger/cli/manifest/chart/";

  private static final Set<String> FREE_FORM = Set.of("controlPlane.resources", "cni.resources");
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern INTEGER = Pattern.compile("-?[0-9]+");

  private final ObjectNode tree;

  private ChartValues(ObjectNode tree) {
    this.tree = tree;
  }

  /** The chart's defaults. */
  public static ChartValues defaults() {
    try (InputStream in = ChartValues.class.getResourceAsStream(CHART_RESOURCE + "values.yaml")) {
      if (in == null) {
        throw new IllegalStateException(
            "the chart's values.yaml is not in this build of outrigger");
      }
      return new ChartValues((ObjectNode) yaml().readTree(in));
    } catch (IOException e) {
      throw new UncheckedIOException("chart values.yaml: " + e.getMessage(), e);
    }
  }

  /**
   * These values with a values file merged over them (maps merge key by key, anything else
   * replaces).
   */
  public ChartValues withFile(Path file) {
    JsonNode given;
    try {
      given = yaml().readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "values file "
              + file
              + ": "
              + (Files.exists(file)
                  ? "not YAML: " + e.getMessage().lines().findFirst().orElse("")
                  : "does not exist"),
          e);
    }
    if (given == null || given.isMissingNode() || given.isNull()) {
      return this;
    }
    if (!given.isObject()) {
      throw new IllegalArgumentException(
          "values file " + file + ": must be a map of values, not " + given.getNodeType());
    }
    ObjectNode merged = tree.deepCopy();
    merge(merged, (ObjectNode) given, "", "values file " + file);
    return new ChartValues(merged);
  }

  /**
   * These values with {@code key.path=value} set: true/false and integers are typed as Helm's --set
   * types them.
   */
  public ChartValues withSet(String assignment) {
    int eq = assignment.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException(
          "--set '" + assignment + "': expected KEY=VALUE, e.g. replicaCount=2");
    }
    String key = assignment.substring(0, eq);
    String raw = assignment.substring(eq + 1);
    JsonNode value =
        raw.equals("true") || raw.equals("false")
            ? BooleanNode.valueOf(Boolean.parseBoolean(raw))
            : INTEGER.matcher(raw).matches() && raw.length() < 10
                ? IntNode.valueOf(Integer.parseInt(raw))
                : TextNode.valueOf(raw);
    ObjectNode given = JsonNodeFactory.instance.objectNode();
    ObjectNode at = given;
    String[] parts = key.split("\\.", -1);
    for (int i = 0; i < parts.length - 1; i++) {
      at = at.putObject(parts[i]);
    }
    at.set(parts[parts.length - 1], value);
    ObjectNode merged = tree.deepCopy();
    merge(merged, given, "", "--set " + assignment);
    return new ChartValues(merged);
  }

  private static void merge(ObjectNode into, ObjectNode from, String prefix, String source) {
    for (Iterator<Map.Entry<String, JsonNode>> it = from.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String path = prefix + e.getKey();
      JsonNode current = into.get(e.getKey());
      boolean freeForm =
          FREE_FORM.stream().anyMatch(f -> path.equals(f) || path.startsWith(f + "."));
      if (current == null && !freeForm) {
        throw new IllegalArgumentException(
            source
                + ": unknown value '"
                + path
                + "' (the chart has: "
                + String.join(", ", keys(into, prefix))
                + ")");
      }
      if (current != null
          && current.isObject()
          && e.getValue().isObject()
          && !FREE_FORM.contains(path)) {
        merge((ObjectNode) current, (ObjectNode) e.getValue(), path + ".", source);
      } else if (current != null
          && current.isObject()
          && !e.getValue().isObject()
          && !e.getValue().isNull()) {
        throw new IllegalArgumentException(
            source
                + ": '"
                + path
                + "' is a map of values ("
                + String.join(", ", keys((ObjectNode) current, path + "."))
                + "), not a single value");
      } else {
        into.set(e.getKey(), e.getValue());
      }
    }
  }

  private static List<String> keys(ObjectNode node, String prefix) {
    List<String> keys = new ArrayList<>();
    node.fieldNames().forEachRemaining(k -> keys.add(prefix + k));
    return keys;
  }

  /** The value at a dotted path, as the templates read it. */
  JsonNode at(String path) {
    JsonNode node = tree;
    for (String part : path.split("\\.")) {
      node = node.path(part);
    }
    return node;
  }

  String string(String path) {
    JsonNode node = at(path);
    if (node.isMissingNode() || node.isNull()) {
      return "";
    }
    if (!node.isValueNode()) {
      throw new IllegalArgumentException(
          "value '" + path + "': must be a string, not a map or list");
    }
    return node.asText();
  }

  String revision() {
    String revision = string("revision");
    if (!DNS_LABEL.matcher(revision).matches()) {
      throw new IllegalArgumentException(
          "value 'revision' '"
              + revision
              + "': must be a DNS label (lower case letters, digits and '-', at most 63 characters; 'default' for the"
              + " default revision)");
    }
    return revision;
  }

  int replicaCount() {
    JsonNode node = at("replicaCount");
    if (!node.isInt() || node.asInt() < 0) {
      throw new IllegalArgumentException(
          "value 'replicaCount' '" + node.asText() + "': must be a whole number >= 0");
    }
    return node.asInt();
  }

  boolean createNamespace() {
    JsonNode node = at("createNamespace");
    if (!node.isBoolean()) {
      throw new IllegalArgumentException(
          "value 'createNamespace' '" + node.asText() + "': must be true or false");
    }
    return node.asBoolean();
  }

  String image(String which) {
    String image = string("images." + which);
    if (image.isBlank() || image.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          "value 'images." + which + "' '" + image + "': must be an image reference");
    }
    return image;
  }

  String pullPolicy() {
    String policy = string("images.pullPolicy");
    if (!Set.of("Always", "IfNotPresent", "Never").contains(policy)) {
      throw new IllegalArgumentException(
          "value 'images.pullPolicy' '" + policy + "': must be Always, IfNotPresent or Never");
    }
    return policy;
  }

  /** The address sidecars dial, "" for the Service name; checked to be host:port. */
  String controlPlaneAddress() {
    String address = string("controlPlane.address");
    if (!address.isEmpty()) {
      int colon = address.lastIndexOf(':');
      String port = colon < 0 ? "" : address.substring(colon + 1);
      if (colon <= 0
          || !INTEGER.matcher(port).matches()
          || port.length() > 5
          || Integer.parseInt(port) < 1
          || Integer.parseInt(port) > 65535) {
        throw new IllegalArgumentException(
            "value 'controlPlane.address' '"
                + address
                + "': must be HOST:PORT (e.g. 198.19.232.15:15012), or empty for the revision's Service name");
      }
    }
    return address;
  }

  String serviceClusterIp() {
    String ip = string("controlPlane.serviceClusterIP");
    if (!ip.isEmpty() && !isIpLiteral(ip)) {
      throw new IllegalArgumentException(
          "value 'controlPlane.serviceClusterIP' '"
              + ip
              + "': must be an IP address in the cluster's service CIDR, or empty");
    }
    return ip;
  }

  private static boolean isIpLiteral(String ip) {
    if (ip.contains(":")) {
      return ip.matches("[0-9a-fA-F:.]+") && ip.chars().filter(c -> c == ':').count() >= 2;
    }
    String[] parts = ip.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String part : parts) {
      if (!INTEGER.matcher(part).matches() || part.length() > 3 || Integer.parseInt(part) > 255) {
        return false;
      }
    }
    return true;
  }

  String caSecretName() {
    String name = string("ca.secretName");
    if (name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "value 'ca.secretName' '" + name + "': not a Kubernetes Secret name");
    }
    return name;
  }

  /** A free-form map, or an empty one. */
  JsonNode map(String path) {
    JsonNode node = at(path);
    return node.isObject() ? node : JsonNodeFactory.instance.objectNode();
  }

  static YAMLMapper yaml() {
    return KubeYaml.reader();
  }
}
