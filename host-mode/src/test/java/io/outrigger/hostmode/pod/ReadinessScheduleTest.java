package io.outrigger.hostmode.pod;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadinessScheduleTest {
  private static final Instant T0 = Instant.parse("2026-12-06T12:00:00Z");

  /** Answers from a script (true = passes) and counts what was sent. */
  private static final class Scripted implements Probes.Probe {
    final Deque<Boolean> answers;
    final Duration period;
    int sent;

    Scripted(Duration period, Boolean... answers) {
      this.period = period;
      this.answers = new ArrayDeque<>(List.of(answers));
    }

    @Override
    public boolean passes(String podIp) {
      sent++;
      return answers.isEmpty() ? true : answers.poll();
    }

    @Override
    public Duration period() {
      return period;
    }
  }

  private static Instant at(long millis) {
    return T0.plusMillis(millis);
  }

  @Test
  void aProbeThatPassedIsSentAgainOnlyAfterItsPeriod() {
    Scripted probe = new Scripted(Duration.ofSeconds(10), true, true);
    ReadinessSchedule schedule = new ReadinessSchedule();
    schedule.add(probe);

    assertThat(schedule.allPass("198.18.0.2", at(0))).isTrue();
    for (long ms = 300; ms < 10_000; ms += 300) {
      assertThat(schedule.allPass("198.18.0.2", at(ms))).isTrue();
    }
    assertThat(probe.sent).as("33 checks within the period").isEqualTo(1);
    assertThat(schedule.allPass("198.18.0.2", at(10_000))).isTrue();
    assertThat(probe.sent).isEqualTo(2);
  }

  @Test
  void aProbeThatFailsIsSentAtEveryCheckUntilItPassesAndAFailureEndsReadiness() {
    Scripted probe = new Scripted(Duration.ofSeconds(10), false, false, true, false);
    ReadinessSchedule schedule = new ReadinessSchedule();
    schedule.add(probe);

    assertThat(schedule.allPass("198.18.0.2", at(0))).isFalse();
    assertThat(schedule.allPass("198.18.0.2", at(300))).isFalse();
    assertThat(schedule.allPass("198.18.0.2", at(600))).isTrue();
    assertThat(probe.sent).isEqualTo(3);
    assertThat(schedule.allPass("198.18.0.2", at(5_000))).as("within the period").isTrue();
    assertThat(schedule.allPass("198.18.0.2", at(10_600))).as("failed when due").isFalse();
    assertThat(schedule.allPass("198.18.0.2", at(10_900))).as("retried at once: passes").isTrue();
    assertThat(probe.sent).isEqualTo(5);
  }

  @Test
  void eachProbeKeepsItsOwnPeriodAndALaterProbeWaitsForAnEarlierOneToPass() {
    Scripted fast = new Scripted(Duration.ofSeconds(1), false, true);
    Scripted slow = new Scripted(Duration.ofSeconds(10));
    ReadinessSchedule schedule = new ReadinessSchedule();
    schedule.add(fast);
    schedule.add(slow);

    assertThat(schedule.allPass("198.18.0.2", at(0))).isFalse();
    assertThat(slow.sent).as("not sent while the first fails").isZero();
    assertThat(schedule.allPass("198.18.0.2", at(300))).isTrue();
    for (long ms = 600; ms <= 3_000; ms += 300) {
      assertThat(schedule.allPass("198.18.0.2", at(ms))).isTrue();
    }
    assertThat(fast.sent).as("at 0, 300, then once its second has passed: 1500, 2700").isEqualTo(4);
    assertThat(slow.sent).isEqualTo(1);
  }

  @Test
  void theProbesPeriodComesFromPeriodSecondsAndDefaultsToKubernetesTenSeconds() throws Exception {
    ObjectMapper json = new ObjectMapper();
    assertThat(
            Probes.of(json.readTree("{\"httpGet\": {\"path\": \"/\", \"port\": 8080}}")).period())
        .isEqualTo(Duration.ofSeconds(10));
    assertThat(
            Probes.of(json.readTree("{\"tcpSocket\": {\"port\": 8080}, \"periodSeconds\": 3}"))
                .period())
        .isEqualTo(Duration.ofSeconds(3));
  }
}
