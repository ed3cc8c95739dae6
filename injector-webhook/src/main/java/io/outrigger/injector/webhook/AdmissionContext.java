package io.outrigger.injector.webhook;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a webhook hosted by the control plane knows that an AdmissionReview does not carry: the
 * namespace's labels and the revision tags that point at this revision. With them the handler
 * checks again what the webhook configuration's selectors already decided, so a pod reaching the
 * wrong revision (a stale or hand-edited configuration) is left alone rather than meshed to it.
 */
public interface AdmissionContext {

  /** The standalone webhook: nothing known beyond the review, the selectors are trusted. */
  AdmissionContext NONE =
      new AdmissionContext() {
        @Override
        public Optional<Map<String, String>> namespaceLabels(String namespace) {
          return Optional.empty();
        }

        @Override
        public Set<String> revisionTags() {
          return Set.of();
        }
      };

  /** The namespace's labels, or empty when they cannot be known now (then the selectors decide). */
  Optional<Map<String, String>> namespaceLabels(String namespace);

  /**
   * Tags pointing at this revision: a namespace or pod selecting one of them selects this revision.
   */
  Set<String> revisionTags();
}
