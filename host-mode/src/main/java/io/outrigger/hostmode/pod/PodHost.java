package io.outrigger.hostmode.pod;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the mesh gives a pod that a node would: tokens, the mesh root, ConfigMaps, the Envoy binary.
 */
public interface PodHost {
  /** A host-mode token for {@code ns/sa} with this audience and lifetime (as a projected token). */
  String mintToken(String namespace, String serviceAccount, long expirationSeconds);

  String rootCertPem();

  Optional<JsonNode> configMap(String namespace, String name);

  /** The Envoy binary, executable by the proxy user. */
  Path envoyBinary();

  /** The node's address as pods see it (the bridge gateway). */
  String hostIp();
}
