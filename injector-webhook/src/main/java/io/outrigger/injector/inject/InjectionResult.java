package io.outrigger.injector.inject;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The outcome of injecting one pod.
 *
 * @param decision whether the pod was injected, and why (not)
 * @param pod the injected pod, or the original when skipped
 * @param patch the RFC 6902 patch from the original to {@code pod}; empty when skipped
 * @param warnings things the pod's owner should know (returned as admission warnings)
 */
public record InjectionResult(
    Decision decision, ObjectNode pod, ArrayNode patch, List<String> warnings) {

  public InjectionResult {
    warnings = List.copyOf(warnings);
  }

  public boolean injected() {
    return decision.injects();
  }
}
