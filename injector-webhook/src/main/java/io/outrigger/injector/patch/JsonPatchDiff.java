package io.outrigger.injector.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Computes an RFC 6902 JSON Patch that turns one document into another. Lists of named objects
 * (containers, volumes, env) are matched by {@code name}, so inserting a sidecar becomes one {@code
 * add} at its index instead of rewriting every container after it, and the API server's audit log
 * shows what the injector really changed.
 */
public final class JsonPatchDiff {

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private JsonPatchDiff() {}

  /**
   * The operations that, applied to {@code before} in order, yield a document equal to {@code
   * after}.
   */
  public static ArrayNode diff(JsonNode before, JsonNode after) {
    ArrayNode ops = JSON.arrayNode();
    diff("", before, after, ops);
    return ops;
  }

  private static void diff(String path, JsonNode before, JsonNode after, ArrayNode ops) {
    if (before.equals(after)) {
      return;
    }
    if (before.isObject() && after.isObject()) {
      diffObjects(path, (ObjectNode) before, (ObjectNode) after, ops);
    } else if (before.isArray() && after.isArray()) {
      diffArrays(path, (ArrayNode) before, (ArrayNode) after, ops);
    } else {
      ops.add(op("replace", path, after));
    }
  }

  private static void diffObjects(String path, ObjectNode before, ObjectNode after, ArrayNode ops) {
    for (Iterator<Map.Entry<String, JsonNode>> it = before.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String child = path + "/" + escape(field.getKey());
      JsonNode updated = after.get(field.getKey());
      if (updated == null) {
        ops.add(op("remove", child, null));
      } else {
        diff(child, field.getValue(), updated, ops);
      }
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = after.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (!before.has(field.getKey())) {
        ops.add(op("add", path + "/" + escape(field.getKey()), field.getValue()));
      }
    }
  }

  private static void diffArrays(String path, ArrayNode before, ArrayNode after, ArrayNode ops) {
    List<String> oldNames = names(before);
    List<String> newNames = names(after);
    if (oldNames != null && newNames != null && keepsOrder(oldNames, newNames)) {
      diffNamedArrays(path, before, after, oldNames, newNames, ops);
    } else if (before.size() == after.size()) {
      for (int i = 0; i < before.size(); i++) {
        diff(path + "/" + i, before.get(i), after.get(i), ops);
      }
    } else {
      ops.add(op("replace", path, after));
    }
  }

  /**
   * Removes the names that went away (from the end, so indexes stay valid), then walks the new
   * list: a surviving element sits at the current index because relative order is kept, a new one
   * is added there.
   */
  private static void diffNamedArrays(
      String path,
      ArrayNode before,
      ArrayNode after,
      List<String> oldNames,
      List<String> newNames,
      ArrayNode ops) {
    Set<String> kept = new HashSet<>(newNames);
    Map<String, JsonNode> survivors = new HashMap<>();
    for (int i = before.size() - 1; i >= 0; i--) {
      if (kept.contains(oldNames.get(i))) {
        survivors.put(oldNames.get(i), before.get(i));
      } else {
        ops.add(op("remove", path + "/" + i, null));
      }
    }
    for (int i = 0; i < after.size(); i++) {
      JsonNode old = survivors.get(newNames.get(i));
      if (old == null) {
        ops.add(op("add", path + "/" + i, after.get(i)));
      } else {
        diff(path + "/" + i, old, after.get(i), ops);
      }
    }
  }

  /** The {@code name} of every element, or null when some element has none or names repeat. */
  private static List<String> names(ArrayNode array) {
    List<String> names = new ArrayList<>(array.size());
    for (JsonNode element : array) {
      JsonNode name = element.get("name");
      if (!element.isObject()
          || name == null
          || !name.isTextual()
          || names.contains(name.asText())) {
        return null;
      }
      names.add(name.asText());
    }
    return names;
  }

  /** True when the names both lists share appear in the same relative order in each. */
  private static boolean keepsOrder(List<String> oldNames, List<String> newNames) {
    List<String> oldShared = oldNames.stream().filter(newNames::contains).toList();
    List<String> newShared = newNames.stream().filter(oldNames::contains).toList();
    return oldShared.equals(newShared);
  }

  private static ObjectNode op(String kind, String path, JsonNode value) {
    ObjectNode op = JSON.objectNode();
    op.put("op", kind);
    op.put("path", path);
    if (value != null) {
      op.set("value", value.deepCopy());
    }
    return op;
  }

  /** RFC 6901: {@code ~} becomes {@code ~0} and {@code /} becomes {@code ~1}. */
  static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }
}
