package io.outrigger.cni.json;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Serialises the values {@link Json} reads; {@code indent < 0} means compact. */
final class JsonWriter {
  private JsonWriter() {}

  static void write(Object value, StringBuilder out, int indent, int depth) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof String s) {
      writeString(s, out);
    } else if (value instanceof Number || value instanceof Boolean) {
      out.append(value);
    } else if (value instanceof Map<?, ?> map) {
      writeObject(map, out, indent, depth);
    } else if (value instanceof List<?> list) {
      writeArray(list, out, indent, depth);
    } else {
      throw new JsonException("cannot write a " + value.getClass().getName() + " as JSON");
    }
  }

  private static void writeObject(Map<?, ?> map, StringBuilder out, int indent, int depth) {
    if (map.isEmpty()) {
      out.append("{}");
      return;
    }
    out.append('{');
    Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<?, ?> e = it.next();
      newline(out, indent, depth + 1);
      writeString(String.valueOf(e.getKey()), out);
      out.append(indent < 0 ? ":" : ": ");
      write(e.getValue(), out, indent, depth + 1);
      if (it.hasNext()) {
        out.append(',');
      }
    }
    newline(out, indent, depth);
    out.append('}');
  }

  private static void writeArray(List<?> list, StringBuilder out, int indent, int depth) {
    if (list.isEmpty()) {
      out.append("[]");
      return;
    }
    out.append('[');
    for (int i = 0; i < list.size(); i++) {
      newline(out, indent, depth + 1);
      write(list.get(i), out, indent, depth + 1);
      if (i < list.size() - 1) {
        out.append(',');
      }
    }
    newline(out, indent, depth);
    out.append(']');
  }

  private static void newline(StringBuilder out, int indent, int depth) {
    if (indent >= 0) {
      out.append('\n').append(" ".repeat(indent * depth));
    }
  }

  private static void writeString(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
