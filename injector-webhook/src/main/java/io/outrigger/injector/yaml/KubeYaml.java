package io.outrigger.injector.yaml;

import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactoryBuilder;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * The YAML the injector writes (bootstraps, manifests, injected workloads): block style a person
 * reads like hand-written Kubernetes YAML, and strings that look like numbers stay quoted so that
 * {@code prometheus.io/port: "15090"} survives a round trip as the string annotations must be.
 */
public final class KubeYaml {

  private KubeYaml() {}

  /** A mapper that starts every document with {@code ---} (multi-document streams). */
  public static YAMLMapper documents() {
    return new YAMLMapper(factory().build());
  }

  /** A mapper for a single document, without the {@code ---} start marker. */
  public static YAMLMapper single() {
    return new YAMLMapper(factory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).build());
  }

  private static YAMLFactoryBuilder factory() {
    return YAMLFactory.builder()
        .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
        .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
        .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
        .disable(YAMLGenerator.Feature.SPLIT_LINES);
  }
}
