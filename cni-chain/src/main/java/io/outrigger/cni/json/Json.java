package io.outrigger.cni.json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON reader and writer over plain Java values ({@link Map} keeping key order, {@link
 * List}, {@link String}, {@link Number}, {@link Boolean}, {@code null}).
 *
 * <p>Why not Jackson: the CNI plugin is exec'd once per pod by the container runtime, and class
 * loading of jackson-databind dominated its cold start (see docs/cni.md). CNI documents are tiny,
 * so a straightforward recursive-descent parser is enough.
 *
 * <p>It reads untrusted input (stdin from the runtime, files, API server answers), so it has limits
 * (docs/limits.md): a document of at most {@link #MAX_LENGTH} characters nested at most {@link
 * #MAX_DEPTH} levels deep. Past either, a {@link JsonException} says so, instead of the recursion
 * overflowing the stack or the document filling the plugin's small heap.
 */
public final class Json {
  /** Deeper than any CNI configuration, conflist, kubeconfig or Pod (about 10 levels). */
  public static final int MAX_DEPTH = 64;

  /**
   * 4 Mi characters: above the largest object the API server stores (etcd's 1.5 MiB request limit).
   */
  public static final int MAX_LENGTH = 4 * 1024 * 1024;

  private final String text;
  private int pos;
  private int depth;

  private Json(String text) {
    this.text = text;
  }

  /** Parses one JSON document; trailing non-whitespace is an error. */
  public static Object parse(String text) {
    if (text == null || text.isBlank()) {
      throw new JsonException("empty input: expected a JSON document");
    }
    if (text.length() > MAX_LENGTH) {
      throw new JsonException(
          "document of " + text.length() + " characters is larger than the limit of " + MAX_LENGTH);
    }
    Json reader = new Json(text);
    Object value = reader.readValue();
    reader.skipWhitespace();
    if (reader.pos != text.length()) {
      throw reader.error("unexpected trailing content");
    }
    return value;
  }

  /** Parses a document that must be a JSON object. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parseObject(String text) {
    Object value = parse(text);
    if (!(value instanceof Map)) {
      throw new JsonException("expected a JSON object, got " + typeName(value));
    }
    return (Map<String, Object>) value;
  }

  /** Compact JSON. */
  public static String write(Object value) {
    StringBuilder out = new StringBuilder();
    JsonWriter.write(value, out, -1, 0);
    return out.toString();
  }

  /** JSON indented by two spaces, for files people read (conflists). */
  public static String writePretty(Object value) {
    StringBuilder out = new StringBuilder();
    JsonWriter.write(value, out, 2, 0);
    return out.append('\n').toString();
  }

  static String typeName(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof Map) {
      return "object";
    }
    if (value instanceof List) {
      return "array";
    }
    if (value instanceof String) {
      return "string";
    }
    if (value instanceof Number) {
      return "number";
    }
    return "boolean";
  }

  private Object readValue() {
    skipWhitespace();
    if (pos >= text.length()) {
      throw error("unexpected end of input");
    }
    char c = text.charAt(pos);
    return switch (c) {
      case '{' -> readObject();
      case '[' -> readArray();
      case '"' -> readString();
      case 't' -> readLiteral("true", Boolean.TRUE);
      case 'f' -> readLiteral("false", Boolean.FALSE);
      case 'n' -> readLiteral("null", null);
      default -> {
        if (c == '-' || (c >= '0' && c <= '9')) {
          yield readNumber();
        }
        throw error("unexpected character '" + c + "'");
      }
    };
  }

  private Map<String, Object> readObject() {
    enter();
    pos++;
    Map<String, Object> map = new LinkedHashMap<>();
    skipWhitespace();
    if (peek() == '}') {
      pos++;
      depth--;
      return map;
    }
    while (true) {
      skipWhitespace();
      if (peek() != '"') {
        throw error("expected a string key");
      }
      String key = readString();
      skipWhitespace();
      expect(':');
      map.put(key, readValue());
      skipWhitespace();
      char c = next();
      if (c == '}') {
        depth--;
        return map;
      }
      if (c != ',') {
        throw error("expected ',' or '}' in object");
      }
    }
  }

  private List<Object> readArray() {
    enter();
    pos++;
    List<Object> list = new ArrayList<>();
    skipWhitespace();
    if (peek() == ']') {
      pos++;
      depth--;
      return list;
    }
    while (true) {
      list.add(readValue());
      skipWhitespace();
      char c = next();
      if (c == ']') {
        depth--;
        return list;
      }
      if (c != ',') {
        throw error("expected ',' or ']' in array");
      }
    }
  }

  private String readString() {
    pos++;
    StringBuilder sb = new StringBuilder();
    while (true) {
      char c = next();
      if (c == '"') {
        return sb.toString();
      }
      if (c == '\\') {
        sb.append(readEscape());
      } else if (c < 0x20) {
        throw error("control character in string");
      } else {
        sb.append(c);
      }
    }
  }

  private char readEscape() {
    char e = next();
    return switch (e) {
      case '"', '\\', '/' -> e;
      case 'b' -> '\b';
      case 'f' -> '\f';
      case 'n' -> '\n';
      case 'r' -> '\r';
      case 't' -> '\t';
      case 'u' -> {
        if (pos + 4 > text.length()) {
          throw error("truncated \\u escape");
        }
        try {
          char u = (char) Integer.parseInt(text.substring(pos, pos + 4), 16);
          pos += 4;
          yield u;
        } catch (NumberFormatException ex) {
          throw error("invalid \\u escape");
        }
      }
      default -> throw error("invalid escape '\\" + e + "'");
    };
  }

  private Number readNumber() {
    int start = pos;
    while (pos < text.length() && "+-0123456789.eE".indexOf(text.charAt(pos)) >= 0) {
      pos++;
    }
    String literal = text.substring(start, pos);
    // Long/Double parsing, not BigDecimal: BigInteger's static initialisation alone costs the
    // exec'd
    // plugin tens of milliseconds.
    try {
      if (literal.indexOf('.') < 0 && literal.indexOf('e') < 0 && literal.indexOf('E') < 0) {
        return Long.parseLong(literal);
      }
      return Double.parseDouble(literal);
    } catch (NumberFormatException ex) {
      pos = start;
      throw error("invalid number '" + literal + "'");
    }
  }

  private Object readLiteral(String word, Object value) {
    if (!text.startsWith(word, pos)) {
      throw error("invalid literal");
    }
    pos += word.length();
    return value;
  }

  // A parse error ends the whole parse, so only the normal returns need to leave.
  private void enter() {
    if (++depth > MAX_DEPTH) {
      throw error("nested deeper than the limit of " + MAX_DEPTH + " levels");
    }
  }

  private void skipWhitespace() {
    while (pos < text.length() && " \t\r\n".indexOf(text.charAt(pos)) >= 0) {
      pos++;
    }
  }

  private char peek() {
    return pos < text.length() ? text.charAt(pos) : '\0';
  }

  private char next() {
    if (pos >= text.length()) {
      throw error("unexpected end of input");
    }
    return text.charAt(pos++);
  }

  private void expect(char c) {
    if (next() != c) {
      throw error("expected '" + c + "'");
    }
  }

  private JsonException error(String reason) {
    return new JsonException(reason + " at offset " + pos);
  }
}
