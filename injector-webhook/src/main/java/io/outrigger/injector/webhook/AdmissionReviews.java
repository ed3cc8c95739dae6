package io.outrigger.injector.webhook;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.injector.inject.InjectionException;
import io.outrigger.injector.inject.InjectionRequest;
import io.outrigger.injector.inject.InjectionResult;
import io.outrigger.injector.inject.SidecarInjector;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Set;

/**
 * AdmissionReview in, AdmissionReview out ({@code admission.k8s.io/v1} and {@code v1beta1}, which
 * share the shape the webhook uses). Pure: the HTTP layer only moves bytes.
 */
final class AdmissionReviews {

  private static final Set<String> VERSIONS =
      Set.of("admission.k8s.io/v1", "admission.k8s.io/v1beta1");

  /** What happened to one review, for metrics and logs. */
  enum Outcome {
    INJECTED,
    SKIPPED,
    IGNORED,
    DENIED,
    VALID,
    INVALID
  }

  record Answer(ObjectNode review, Outcome outcome, InjectionResult result, String subject) {}

  private final ObjectMapper json;
  private final SidecarInjector injector;
  private final AdmissionContext context;
  private final ConfigValidator validator;

  AdmissionReviews(
      ObjectMapper json,
      SidecarInjector injector,
      AdmissionContext context,
      ConfigValidator validator) {
    this.json = json;
    this.injector = injector;
    this.context = context;
    this.validator = validator;
  }

  /** A review sent to {@code /inject}: pod CREATE gets a sidecar (or a reason why not). */
  Answer review(byte[] body) throws BadRequestException {
    JsonNode review = parse(body);
    JsonNode request = review.path("request");
    String uid = request.path("uid").asText();
    ObjectNode response = response(review.path("apiVersion").asText(), uid);
    String kind = request.path("kind").path("kind").asText("");
    String operation = request.path("operation").asText("");
    String subject = request.path("namespace").asText("") + "/" + request.path("name").asText("");
    if (!kind.equals("Pod") || !operation.equals("CREATE")) {
      // Only pod CREATE is ours; the configuration should not send anything else, but never block
      // it.
      return new Answer(response, Outcome.IGNORED, null, kind + " " + operation + " " + subject);
    }
    JsonNode pod = request.path("object");
    if (!pod.isObject()) {
      throw new BadRequestException(
          400, "AdmissionReview " + uid + ": request.object is not a Pod");
    }
    String namespace =
        request.path("namespace").asText(pod.path("metadata").path("namespace").asText("default"));
    return inject(
        response,
        new InjectionRequest(
            pod, namespace, null, context.namespaceLabels(namespace), context.revisionTags()));
  }

  /**
   * A review sent to {@code /validate}: CREATE and UPDATE of a config kind are checked by the
   * validator; DELETE and anything without an object are allowed.
   */
  Answer validate(byte[] body) throws BadRequestException {
    JsonNode review = parse(body);
    JsonNode request = review.path("request");
    ObjectNode answer = response(review.path("apiVersion").asText(), request.path("uid").asText());
    String kind = request.path("kind").path("kind").asText("");
    String namespace = request.path("namespace").asText("");
    String subject =
        "kind=" + kind + " object=" + namespace + "/" + request.path("name").asText("");
    JsonNode object = request.path("object");
    String operation = request.path("operation").asText("");
    if (!(operation.equals("CREATE") || operation.equals("UPDATE")) || !object.isObject()) {
      return new Answer(answer, Outcome.IGNORED, null, subject + " operation=" + operation);
    }
    var reason =
        validator.refuse(
            object,
            namespace.isEmpty()
                ? object.path("metadata").path("namespace").asText("default")
                : namespace);
    if (reason.isEmpty()) {
      return new Answer(answer, Outcome.VALID, null, subject);
    }
    deny(
        (ObjectNode) answer.get("response"),
        kind + " " + namespace + "/" + request.path("name").asText("") + ": " + reason.get());
    return new Answer(answer, Outcome.INVALID, null, subject + " reason=\"" + reason.get() + "\"");
  }

  private JsonNode parse(byte[] body) throws BadRequestException {
    JsonNode review;
    try {
      review = json.readTree(body);
    } catch (StreamConstraintsException e) {
      // Jackson's text names its own API ("from `StreamReadConstraints.getMaxNestingDepth()`");
      // keep the numbers.
      throw new BadRequestException(
          400,
          "request body over a parser limit: "
              + e.getOriginalMessage().replaceAll(", from `[^`]*`", "")
              + at(e.getLocation()));
    } catch (JsonProcessingException e) {
      throw new BadRequestException(
          400, "malformed JSON: " + e.getOriginalMessage() + at(e.getLocation()));
    } catch (IOException e) {
      throw new BadRequestException(400, "unreadable request body: " + e.getMessage());
    }
    if (review == null || review.isMissingNode()) {
      throw new BadRequestException(400, "empty request body: expected an AdmissionReview");
    }
    if (!review.isObject()) {
      throw new BadRequestException(
          400,
          "expected an AdmissionReview object, got a JSON "
              + review.getNodeType().toString().toLowerCase(Locale.ROOT));
    }
    String apiVersion = review.path("apiVersion").asText("");
    if (!VERSIONS.contains(apiVersion)) {
      throw new BadRequestException(
          400,
          "unsupported apiVersion '"
              + apiVersion
              + "': expected admission.k8s.io/v1 or admission.k8s.io/v1beta1");
    }
    if (!"AdmissionReview".equals(review.path("kind").asText())) {
      throw new BadRequestException(
          400, "unsupported kind '" + review.path("kind").asText() + "': expected AdmissionReview");
    }
    JsonNode request = review.path("request");
    String uid = request.path("uid").asText("");
    if (!request.isObject() || uid.isEmpty()) {
      throw new BadRequestException(400, "AdmissionReview has no request.uid");
    }
    return review;
  }

  private Answer inject(ObjectNode review, InjectionRequest request) throws BadRequestException {
    ObjectNode response = (ObjectNode) review.get("response");
    InjectionResult result;
    try {
      result = injector.inject(request);
    } catch (InjectionException e) {
      deny(response, e.getMessage());
      return new Answer(review, Outcome.DENIED, null, request.who());
    } catch (IllegalArgumentException e) {
      // A pod no API server would send (a field of the wrong type): the caller's error, not a 500.
      throw new BadRequestException(400, "pod " + request.who() + ": " + e.getMessage());
    }
    if (!result.warnings().isEmpty()) {
      result.warnings().forEach(response.putArray("warnings")::add);
    }
    if (!result.injected()) {
      return new Answer(review, Outcome.SKIPPED, result, request.who());
    }
    response.put("patchType", "JSONPatch");
    // A binary node: Jackson writes it as standard base64 (RFC 4648, padded, no line breaks, what
    // the API server decodes) straight into the answer's bytes, without a base64 copy and a String.
    response.put("patch", bytes(result.patch()));
    return new Answer(review, Outcome.INJECTED, result, request.who());
  }

  private static void deny(ObjectNode response, String message) {
    response.put("allowed", false);
    ObjectNode status = response.putObject("status");
    status.put("code", 400);
    status.put("reason", "BadRequest");
    status.put("message", message);
  }

  private static String at(JsonLocation location) {
    return location == null
        ? ""
        : " at line " + location.getLineNr() + " column " + location.getColumnNr();
  }

  /** A tree as UTF-8 JSON, written straight to bytes (no intermediate String to copy). */
  byte[] bytes(JsonNode tree) {
    try {
      return json.writeValueAsBytes(tree);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("cannot write an AdmissionReview answer", e);
    }
  }

  private ObjectNode response(String apiVersion, String uid) {
    ObjectNode review = json.createObjectNode();
    review.put("apiVersion", apiVersion);
    review.put("kind", "AdmissionReview");
    ObjectNode response = review.putObject("response");
    response.put("uid", uid);
    response.put("allowed", true);
    return review;
  }
}
