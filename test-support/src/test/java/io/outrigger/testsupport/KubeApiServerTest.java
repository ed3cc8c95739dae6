package io.outrigger.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tier-4 harness: a real kube-apiserver on etcd that authenticates, and leaves nothing behind.
 */
class KubeApiServerTest {

  @Test
  void servesTheApiToTheAdminTokenOnlyAndLeavesNothingBehindWhenClosed() throws Exception {
    KubeApiServerBinaries binaries = Prerequisites.requireKubeApiServer();
    List<ProcessHandle> children;
    Path dir;
    try (KubeApiServer server = KubeApiServer.start(binaries)) {
      HttpClient client =
          HttpClient.newBuilder()
              .sslContext(KubeApiServer.trusting(server.servingCertificate()))
              .connectTimeout(Duration.ofSeconds(5))
              .build();
      // Created by the rbac/bootstrap-roles start-up hook, which /readyz waits for.
      HttpRequest clusterAdmin =
          HttpRequest.newBuilder(
                  URI.create(
                      server.url()
                          + "/apis/rbac.authorization.k8s.io/v1/clusterroles/cluster-admin"))
              .timeout(Duration.ofSeconds(10))
              .build();

      HttpResponse<String> admin =
          client.send(
              HttpRequest.newBuilder(clusterAdmin, (k, v) -> true)
                  .header("Authorization", "Bearer " + server.adminToken())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> anonymous =
          client.send(clusterAdmin, HttpResponse.BodyHandlers.ofString());

      assertThat(admin.statusCode()).as(admin.body()).isEqualTo(200);
      assertThat(admin.body()).contains("\"name\":\"cluster-admin\"");
      // Anonymous requests are authenticated as system:anonymous, which RBAC gives nothing.
      assertThat(anonymous.statusCode()).as(anonymous.body()).isEqualTo(403);
      children =
          ProcessHandle.current()
              .children()
              .filter(p -> p.info().command().orElse("").matches(".*/(etcd|kube-apiserver)"))
              .toList();
      assertThat(children).as("etcd and kube-apiserver run as children of the test JVM").hasSize(2);
      dir = server.servingCertificate().getParent();
    }
    assertThat(children).noneMatch(ProcessHandle::isAlive);
    assertThat(Files.exists(dir)).as(dir + " removed").isFalse();
  }
}
