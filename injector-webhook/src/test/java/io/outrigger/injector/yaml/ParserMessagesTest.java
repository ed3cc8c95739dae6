package io.outrigger.injector.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SnakeYAML's real messages, through the YAML reader every part uses, as the one line a user reads.
 */
class ParserMessagesTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      textBlock =
          """
      a: [1, 2\\nb: 3\\n   | while parsing a flow sequence (line 1, column 4): expected ',' or ']', but got ':' (line 2, column 2)
      a: {b: c\\nd: e\\n   | while parsing a flow mapping (line 1, column 4): expected ',' or '}', but got ':' (line 2, column 2)
      a:\\n  - b\\n  c: d\\n | while parsing a block collection (line 2, column 3): expected <block end>, but found '?' (line 3, column 3)
      foo: [unclosed\\n    | while parsing a flow sequence (line 1, column 6): expected ',' or ']', but got <stream end> (line 2, column 1)
      a:\\n  b: c\\n    d: e | mapping values are not allowed here (line 3, column 6)
      """)
  void everyTokenAndPositionIsNamed(String yaml, String expected) {
    JsonProcessingException e =
        catchThrowableOfType(
            JsonProcessingException.class,
            () -> KubeYaml.documents().readTree(yaml.replace("\\n", "\n")));
    assertThat(e).as("%s is not YAML", yaml).isNotNull();
    assertThat(ParserMessages.oneLine(e.getOriginalMessage())).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      textBlock =
          """
      a message of one line                  | a message of one line
      while parsing a block mapping:\\nfound x | while parsing a block mapping: found x
      """)
  void sentencesAreJoined(String message, String expected) {
    assertThat(ParserMessages.oneLine(message.replace("\\n", "\n"))).isEqualTo(expected);
  }
}
