package io.outrigger.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.outrigger.certs.AuthenticationException.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The TokenReview exchange over real HTTP against fabric8's mock API server. No kube-apiserver runs
 * in this module's tests (tier 4 arrives with the Kubernetes registry), so the mock plays the API
 * server's part: it answers from the token and audiences the request carries.
 */
class TokenReviewCallerAuthenticatorTest {

  private static final String PATH = "/apis/authentication.k8s.io/v1/tokenreviews";
  private static final ObjectMapper JSON = new ObjectMapper();

  private KubernetesMockServer server;
  private KubernetesClient client;
  private TokenReviewCallerAuthenticator authenticator;

  /** The last review the API server received (the request body can be read only once). */
  private final AtomicReference<TokenReview> received = new AtomicReference<>();

  @BeforeEach
  void start() {
    server = new KubernetesMockServer(false);
    server.init(java.net.InetAddress.getLoopbackAddress(), 0);
    client = server.createClient();
    authenticator = new TokenReviewCallerAuthenticator(client, List.of("outrigger"));
  }

  @AfterEach
  void stop() {
    client.close();
    server.destroy();
  }

  /** Answers like the API server: the review echoed with a status. */
  private void apiServerAnswers(
      boolean authenticated, String username, List<String> audiences, String error) {
    server
        .expect()
        .post()
        .withPath(PATH)
        .andReply(
            201,
            request -> {
              TokenReview review = read(request);
              received.set(review);
              return new TokenReviewBuilder(review)
                  .withNewStatus()
                  .withAuthenticated(authenticated)
                  .withNewUser()
                  .withUsername(username)
                  .endUser()
                  .withAudiences(audiences)
                  .withError(error)
                  .endStatus()
                  .build();
            })
        .once();
  }

  private static TokenReview read(RecordedRequest request) {
    try {
      return JSON.readValue(request.getBody().readUtf8(), TokenReview.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void anAuthenticatedServiceAccountTokenGivesItsIdentity() throws Exception {
    apiServerAnswers(true, "system:serviceaccount:default:reviews", List.of("outrigger"), null);
    assertThat(authenticator.authenticate("projected-token"))
        .isEqualTo(new WorkloadIdentity("default", "reviews"));

    RecordedRequest sent = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(sent.getPath()).isEqualTo(PATH);
    TokenReview review = received.get();
    assertThat(review.getSpec().getToken()).isEqualTo("projected-token");
    assertThat(review.getSpec().getAudiences()).containsExactly("outrigger");
  }

  @Test
  void aTokenTheApiServerRejectsIsRefusedWithItsError() {
    apiServerAnswers(false, null, List.of(), "token has expired");
    assertRefused("old-token", Reason.REJECTED_BY_API_SERVER, "token has expired");
  }

  @Test
  void aTokenForAnotherAudienceIsRefused() {
    apiServerAnswers(
        true,
        "system:serviceaccount:default:reviews",
        List.of("https://kubernetes.default.svc"),
        null);
    assertRefused("api-token", Reason.WRONG_AUDIENCE, "none of [outrigger]");
  }

  @Test
  void aUserThatIsNotAServiceAccountIsRefused() {
    apiServerAnswers(true, "alice", List.of("outrigger"), null);
    assertRefused("user-token", Reason.NOT_A_SERVICE_ACCOUNT, "'alice' is not a service account");
  }

  @Test
  void aForbiddenReviewIsRefusedNamingRbac() {
    server
        .expect()
        .post()
        .withPath(PATH)
        .andReturn(
            403,
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\","
                + "\"status\":\"Failure\",\"reason\":\"Forbidden\",\"code\":403}")
        .once();
    assertRefused("any-token", Reason.REVIEW_FAILED, "RBAC");
  }

  @Test
  void noTokenIsRefusedWithoutAskingTheApiServer() {
    assertRefused(null, Reason.MISSING_TOKEN, "no token");
    assertThat(server.getRequestCount()).isZero();
  }

  private void assertRefused(String token, Reason reason, String messagePart) {
    AuthenticationException e =
        catchThrowableOfType(
            AuthenticationException.class, () -> authenticator.authenticate(token));
    assertThat(e).as("token must be refused").isNotNull();
    assertThat(e.reason()).isEqualTo(reason);
    assertThat(e.getMessage()).contains(messagePart);
  }
}
