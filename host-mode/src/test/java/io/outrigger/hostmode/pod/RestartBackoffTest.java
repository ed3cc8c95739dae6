package io.outrigger.hostmode.pod;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RestartBackoffTest {
  private static final Duration CRASHED_AT_ONCE = Duration.ofMillis(200);

  @Test
  void doublesFromOneSecondUpToThirtyWhileTheContainerKeepsCrashing() {
    RestartBackoff backoff = new RestartBackoff();
    List<Long> waits = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      waits.add(backoff.afterExit(CRASHED_AT_ONCE).toSeconds());
    }
    assertThat(waits).containsExactly(1L, 2L, 4L, 8L, 16L, 30L, 30L);
  }

  @Test
  void startsAgainFromOneSecondAfterTheContainerRanTenMinutes() {
    RestartBackoff backoff = new RestartBackoff();
    for (int i = 0; i < 6; i++) {
      backoff.afterExit(CRASHED_AT_ONCE);
    }
    assertThat(backoff.afterExit(Duration.ofMinutes(9)))
        .as("ran less than ten minutes")
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(backoff.afterExit(Duration.ofMinutes(10))).isEqualTo(Duration.ofSeconds(1));
    assertThat(backoff.afterExit(CRASHED_AT_ONCE)).isEqualTo(Duration.ofSeconds(2));
  }
}
