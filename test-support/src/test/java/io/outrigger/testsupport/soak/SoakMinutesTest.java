package io.outrigger.testsupport.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SoakMinutesTest {

  private static final long MINUTE = 60_000_000_000L;

  @Test
  void everyBucketHoldsWhatItsIndexSaysAndNoMore() {
    long previousHighest = -1;
    for (int i = 0; i < LatencyBuckets.COUNT - 1; i++) {
      long highest = LatencyBuckets.highest(i);
      assertThat(highest).isGreaterThan(previousHighest);
      assertThat(LatencyBuckets.index(highest)).isEqualTo(i);
      assertThat(LatencyBuckets.index(previousHighest + 1)).isEqualTo(i);
      previousHighest = highest;
    }
    assertThat(LatencyBuckets.index(Long.MAX_VALUE)).isEqualTo(LatencyBuckets.COUNT - 1);
  }

  @Test
  void percentilesPerMinuteMatchTheExactOnesWithinTheBucketWidth() {
    long start = 1_000L;
    SoakMinutes soak = new SoakMinutes(start, 2);
    SoakMinutes.Recorder a = soak.recorder();
    SoakMinutes.Recorder b = soak.recorder();
    Random random = new Random(42);
    long[] first = new long[10_000];
    for (int i = 0; i < first.length; i++) {
      // 0.5 ms to 50 ms, skewed low, as request latencies are
      first[i] = 500_000L + (long) (49_500_000L * Math.pow(random.nextDouble(), 4));
      (i % 2 == 0 ? a : b).record(start + i, start + i + first[i], i % 100 != 0);
    }
    b.record(start + MINUTE, start + MINUTE + 2_000_000L, true);
    a.record(start + 2 * MINUTE, start + 2 * MINUTE + 1, true); // after the last minute: dropped
    a.record(start - 1, start + 5, true); // before the first: dropped

    List<SoakMinutes.Minute> minutes = soak.minutes();

    java.util.Arrays.sort(first);
    SoakMinutes.Minute m0 = minutes.get(0);
    assertThat(m0.requests()).isEqualTo(10_000);
    assertThat(m0.errors()).isEqualTo(100);
    assertThat(m0.p50Ms()).isCloseTo(first[4_999] / 1e6, within(first[4_999] / 1e6 / 100));
    assertThat(m0.p99Ms()).isCloseTo(first[9_899] / 1e6, within(first[9_899] / 1e6 / 100));
    assertThat(m0.p99Ms()).isGreaterThanOrEqualTo(first[9_899] / 1e6);
    assertThat(m0.maxMs()).isEqualTo(first[9_999] / 1e6);
    SoakMinutes.Minute m1 = minutes.get(1);
    assertThat(m1.requests()).isEqualTo(1);
    assertThat(m1.p50Ms()).isEqualTo(2.0);
    assertThat(m1.maxMs()).isEqualTo(2.0);
  }

  @Test
  void anEmptyMinuteHasNoPercentiles() {
    SoakMinutes soak = new SoakMinutes(0, 1);
    soak.recorder();
    SoakMinutes.Minute m = soak.minutes().get(0);
    assertThat(m.requests()).isZero();
    assertThat(m.p99Ms()).isNaN();
    assertThat(m.maxMs()).isNaN();
  }
}
