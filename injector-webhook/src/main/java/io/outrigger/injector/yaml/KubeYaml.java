package io.outrigger.injector.yaml;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactoryBuilder;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * The YAML the injector writes (bootstraps, manifests, injected workloads): block style a person
 * reads like hand-written Kubernetes YAML, and strings that look like numbers stay quoted so that
 * {@code prometheus.io/port: "15090"} survives a round trip as the string annotations must be.
 */
public final class KubeYaml {

  /**
   * Limits on what these mappers read (docs/limits.md): YAML from users' files (the registry,
   * {@code inject -f}) is untrusted. Kubernetes objects nest about 10 levels and use no aliases.
   */
  public static final int MAX_NESTING_DEPTH = 64;

  /**
   * Aliases to collections per document: SnakeYAML's own default, kept explicit (billion laughs).
   */
  public static final int MAX_ALIASES = 50;

  /**
   * SnakeYAML's codePointLimit: above any object the API server stores (etcd's 1.5 MiB request
   * limit).
   */
  public static final int MAX_CODE_POINTS = 2 * 1024 * 1024;

  private KubeYaml() {}

  /**
   * A mapper for reading documents with {@link #MAX_NESTING_DEPTH} and the other limits (and
   * writing them).
   */
  public static YAMLMapper reader() {
    return documents();
  }

  /** A mapper that starts every document with {@code ---} (multi-document streams). */
  public static YAMLMapper documents() {
    return new YAMLMapper(factory().build());
  }

  /** A mapper for a single document, without the {@code ---} start marker. */
  public static YAMLMapper single() {
    return new YAMLMapper(factory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).build());
  }

  private static YAMLFactoryBuilder factory() {
    LoaderOptions loader = new LoaderOptions();
    loader.setNestingDepthLimit(MAX_NESTING_DEPTH);
    loader.setMaxAliasesForCollections(MAX_ALIASES);
    loader.setAllowRecursiveKeys(false);
    loader.setCodePointLimit(MAX_CODE_POINTS);
    return YAMLFactory.builder()
        .loaderOptions(loader)
        .streamReadConstraints(
            StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
        .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
        .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
        .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
        .disable(YAMLGenerator.Feature.SPLIT_LINES);
  }
}
