package io.outrigger.injector.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.outrigger.injector.inject.InjectorConfig;
import io.outrigger.injector.inject.SidecarInjector;
import io.outrigger.sidecar.bootstrap.SidecarBootstrap;
import io.outrigger.testsupport.FuzzRuns;
import org.junit.jupiter.api.AfterAll;

/**
 * Fuzzes AdmissionReview bodies through the webhook's own reader and handlers (what {@code POST
 * /inject} and {@code /validate} run on a body): every body is answered with a review the webhook
 * can serialize, or refused with a BadRequestException (an HTTP 4xx naming the reason). Anything
 * else would be the HTTP 500 that deeply nested JSON used to get.
 */
class AdmissionReviewFuzzTest {
  private static final FuzzRuns RUNS =
      new FuzzRuns("webhook-admission-review", BadRequestException.class);
  private static final AdmissionReviews REVIEWS =
      new AdmissionReviews(
          WebhookServer.reviewJson(WebhookSettings.DEFAULT_MAX_BODY),
          new SidecarInjector(InjectorConfig.defaults(), new SidecarBootstrap()),
          AdmissionContext.NONE,
          (object, namespace) -> java.util.Optional.empty());

  @FuzzTest(maxDuration = "5s")
  @DictionaryEntries({
    "AdmissionReview",
    "admission.k8s.io/v1",
    "\"request\"",
    "\"uid\"",
    "\"kind\"",
    "\"Pod\"",
    "\"operation\"",
    "\"CREATE\"",
    "\"object\"",
    "\"metadata\"",
    "\"annotations\"",
    "\"labels\"",
    "\"spec\"",
    "\"containers\"",
    "\"initContainers\"",
    "sidecar.istio.io/inject",
    "hostNetwork",
    "\"ports\"",
    "containerPort",
    "proxy.istio.io/config",
    "\"dryRun\"",
    "\"namespace\""
  })
  void everyBodyIsAnsweredOrRefusedAsBadInput(byte[] body) throws Exception {
    RUNS.run(
        () -> {
          // One body in five goes to /validate (the config validation webhook), the others to
          // /inject.
          AdmissionReviews.Answer answer =
              body.length % 5 == 0 ? REVIEWS.validate(body) : REVIEWS.review(body);
          assertThat(REVIEWS.bytes(answer.review())).isNotEmpty();
        });
  }

  @AfterAll
  static void finish() {
    RUNS.finish();
  }
}
