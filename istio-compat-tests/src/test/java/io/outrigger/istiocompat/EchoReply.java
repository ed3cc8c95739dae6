package io.outrigger.istiocompat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Optional;

/** What the test-support EchoServer answered: which app served the request and what it saw. */
record EchoReply(String name, String path, JsonNode headers, String peer) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static EchoReply parse(String body) {
    try {
      JsonNode n = JSON.readTree(body);
      if (n == null || !n.has("name")) {
        throw new IllegalArgumentException("not an echo reply: '" + body + "'");
      }
      return new EchoReply(
          n.path("name").asText(),
          n.path("path").asText(),
          n.path("headers"),
          n.path("peer").asText());
    } catch (IOException e) {
      throw new UncheckedIOException("not an echo reply: '" + body + "'", e);
    }
  }

  /** A request header as the app received it (names are case-insensitive; lists are joined). */
  Optional<String> header(String name) {
    var fields = headers.fields();
    while (fields.hasNext()) {
      var field = fields.next();
      if (field.getKey().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
        JsonNode v = field.getValue();
        if (v.isArray()) {
          StringBuilder joined = new StringBuilder();
          v.forEach(item -> joined.append(joined.isEmpty() ? "" : ",").append(item.asText()));
          return Optional.of(joined.toString());
        }
        return Optional.of(v.asText());
      }
    }
    return Optional.empty();
  }
}
