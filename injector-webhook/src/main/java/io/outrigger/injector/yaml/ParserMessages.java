package io.outrigger.injector.yaml;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parser messages (SnakeYAML's, Jackson's) as one line a user reads: the sentences and where each
 * happened, without the source excerpt and the caret under it. SnakeYAML names some tokens by their
 * bare character ("but got :", "but found ?"); those are quoted so that the token is visible:
 * {@code while parsing a flow sequence (line 1, column 4): expected ',' or ']', but got ':' (line
 * 2, column 2)}.
 */
public final class ParserMessages {

  // SnakeYAML (" in 'reader', line 3, column 7:") and Jackson (" at [Source: ...; line: 3, column:
  // 7]")
  // put the position on an indented line of its own.
  private static final Pattern POSITION = Pattern.compile("line:? (\\d+), column:? (\\d+)");
  // A token named by its bare punctuation at the end of a sentence ("but got :", "but found ?").
  private static final Pattern BARE_TOKEN = Pattern.compile("(but (?:got|found)) ([^\\s<'\"\\w])$");

  private ParserMessages() {}

  /** The message as one line; a message of one line comes back as it was. */
  public static String oneLine(String message) {
    StringBuilder line = new StringBuilder();
    boolean positioned = true;
    for (String l : message.lines().toList()) {
      if (l.isBlank()) {
        continue;
      }
      if (!Character.isWhitespace(l.charAt(0))) {
        line.append(line.isEmpty() ? "" : ": ").append(sentence(l.strip()));
        positioned = false;
        continue;
      }
      // The first position after a sentence is where it happened; Jackson's trailing one is where
      // it stopped.
      Matcher at = POSITION.matcher(l);
      if (!positioned && at.find()) {
        line.append(" (line ")
            .append(at.group(1))
            .append(", column ")
            .append(at.group(2))
            .append(')');
        positioned = true;
      }
    }
    return line.isEmpty() ? message.strip() : line.toString();
  }

  private static String sentence(String text) {
    Matcher bare = BARE_TOKEN.matcher(text);
    if (bare.find()) {
      return bare.replaceFirst("$1 '$2'");
    }
    // "while parsing a block mapping:" introduces the next sentence, which follows after ": "
    // anyway.
    return text.endsWith(":") ? text.substring(0, text.length() - 1) : text;
  }
}
