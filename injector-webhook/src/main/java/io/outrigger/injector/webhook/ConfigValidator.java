package io.outrigger.injector.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * Validates a config object sent to {@code /validate}; the control plane supplies its own rules.
 */
@FunctionalInterface
public interface ConfigValidator {

  /**
   * @param object the object as the API server would store it ({@code apiVersion}, {@code kind},
   *     {@code metadata}, {@code spec})
   * @param namespace the namespace it is created or updated in
   * @return why it is refused, in the words the control plane would log; empty when it is accepted
   */
  Optional<String> refuse(JsonNode object, String namespace);
}
