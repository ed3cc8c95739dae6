package io.outrigger.controlplane.kube;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.outrigger.testsupport.KubeApiServerExtension;
import io.outrigger.testsupport.KubeTestCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Test tier 4: a control plane whose namespace does not exist yet (started with {@code
 * --kubeconfig} before the namespace is made) does not lead and writes nothing, without fabric8's
 * stack trace per retry; once the namespace exists it takes the Lease and its tasks start.
 */
class LeaderElectionNamespaceTest {

  @RegisterExtension static final KubeApiServerExtension kube = new KubeApiServerExtension();
  static KubeTestCluster cluster;
  static KubernetesClient admin;

  @BeforeAll
  static void start(@TempDir Path dir) {
    cluster = new KubeTestCluster(kube.server(), dir);
    admin = cluster.admin();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void leadsOnlyOnceItsNamespaceExists() throws InterruptedException {
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(logs);
    CountDownLatch started = new CountDownLatch(1);
    LeaderGatedTask task =
        new LeaderGatedTask() {
          @Override
          public String name() {
            return "test-writes";
          }

          @Override
          public void startLeading() {
            started.countDown();
          }

          @Override
          public void stopLeading() {}
        };
    LeaderTimings timings =
        new LeaderTimings(Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(300));
    try (LeaderElection election =
        new LeaderElection(
            admin,
            "late-namespace",
            "outrigger-default-leader",
            "replica-1",
            timings,
            List.of(task))) {
      election.start();

      assertThat(started.await(4, TimeUnit.SECONDS)).as("leading without a namespace").isFalse();
      assertThat(election.leading()).isFalse();
      List<String> warnings;
      synchronized (logs.list) {
        warnings =
            logs.list.stream()
                .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage())
                .toList();
      }
      // One line saying why, not the elector's stack trace every retry (8 in these 4 s before).
      assertThat(warnings)
          .singleElement()
          .asString()
          .contains("event=leader_election_waiting")
          .contains("namespace late-namespace not found");

      cluster.namespace("late-namespace");

      assertThat(started.await(20, TimeUnit.SECONDS))
          .as("leading once the namespace exists")
          .isTrue();
      assertThat(election.leading()).isTrue();
      assertThat(
              admin
                  .leases()
                  .inNamespace("late-namespace")
                  .withName("outrigger-default-leader")
                  .get()
                  .getSpec()
                  .getHolderIdentity())
          .isEqualTo("replica-1");
    } finally {
      root.detachAppender(logs);
    }
  }
}
