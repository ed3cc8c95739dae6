package io.outrigger.cni.install;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.outrigger.cni.kube.Kubeconfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Turns a user's kubeconfig (YAML or JSON, certificates inline or as file paths) into the
 * self-contained JSON kubeconfig the plugin reads, so that the plugin needs neither a YAML parser
 * nor other files.
 */
final class KubeconfigFlattener {
  private KubeconfigFlattener() {}

  static Kubeconfig flatten(Path source) {
    Map<String, Object> doc;
    try {
      doc =
          new ObjectMapper(new YAMLFactory())
              .readValue(source.toFile(), new TypeReference<Map<String, Object>>() {});
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "kubeconfig " + source + ": cannot read: " + e.getMessage(), e);
    }
    Path base = source.toAbsolutePath().getParent();
    inlineFiles(
        doc,
        "clusters",
        "cluster",
        Map.of("certificate-authority", "certificate-authority-data"),
        base);
    inlineFiles(
        doc,
        "users",
        "user",
        Map.of(
            "client-certificate",
            "client-certificate-data",
            "client-key",
            "client-key-data",
            "tokenFile",
            "token"),
        base);
    try {
      Kubeconfig k = Kubeconfig.fromJson(doc);
      if (k.token() == null && k.clientCertPem() == null) {
        throw new IllegalArgumentException(
            "the current user has neither a token nor a client certificate");
      }
      return k;
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("kubeconfig " + source + ": " + e.getMessage(), e);
    }
  }

  @SuppressWarnings("unchecked")
  private static void inlineFiles(
      Map<String, Object> doc,
      String listKey,
      String field,
      Map<String, String> fileToData,
      Path base) {
    if (!(doc.get(listKey) instanceof List<?> list)) {
      return;
    }
    for (Object item : list) {
      if (item instanceof Map<?, ?> m && m.get(field) instanceof Map<?, ?> inner) {
        Map<String, Object> section = (Map<String, Object>) inner;
        fileToData.forEach(
            (fileKey, dataKey) -> {
              if (section.get(fileKey) instanceof String file && !section.containsKey(dataKey)) {
                String content = read(base.resolve(file));
                section.put(
                    dataKey,
                    dataKey.equals("token")
                        ? content.strip()
                        : Base64.getEncoder()
                            .encodeToString(content.getBytes(StandardCharsets.US_ASCII)));
              }
            });
      }
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "kubeconfig refers to " + file + ", which cannot be read: " + e.getMessage(), e);
    }
  }
}
