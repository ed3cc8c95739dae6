package io.outrigger.controlplane.inspect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.Arrays;
import java.util.Locale;
import picocli.CommandLine;

/** {@code -o}: the human table (short) or the same document as JSON or YAML for scripts. */
public enum OutputFormat {
  SHORT,
  JSON,
  YAML;

  private static final ObjectMapper JSON_OUT =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectMapper YAML_OUT =
      YAMLMapper.builder()
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          .build();

  /**
   * picocli's converter for {@code -o}: lower case as users type it; anything else is a usage
   * error.
   */
  public static final class Converter implements CommandLine.ITypeConverter<OutputFormat> {
    @Override
    public OutputFormat convert(String value) {
      return Arrays.stream(values())
          .filter(f -> f.name().equalsIgnoreCase(value))
          .findFirst()
          .orElseThrow(
              () ->
                  new CommandLine.TypeConversionException(
                      "'"
                          + value
                          + "' is not an output format: use "
                          + String.join(
                              ", ",
                              Arrays.stream(values())
                                  .map(f -> f.name().toLowerCase(Locale.ROOT))
                                  .toList())));
    }
  }

  /**
   * @throws IllegalStateException for {@link #SHORT}, which has its own table per command
   */
  public String print(JsonNode document) {
    try {
      return switch (this) {
        case JSON -> JSON_OUT.writeValueAsString(document) + "\n";
        case YAML -> YAML_OUT.writeValueAsString(document);
        case SHORT -> throw new IllegalStateException("a table is printed by its command");
      };
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot print a JSON tree", e);
    }
  }
}
