package io.outrigger.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assertions;

/**
 * The bookkeeping of one Jazzer fuzz target (a {@code *FuzzTest}). Every execution goes through
 * {@link #run}: an exception of a documented "bad input" type is a clean refusal and is counted;
 * any other exception or error escapes and is a Jazzer finding (the test fails and Jazzer saves the
 * input). An execution running longer than {@link #HANG_SECONDS} is a hang: the watchdog prints the
 * fuzzing thread's stack and ends the JVM, which fails the surefire run. {@link #finish} writes the
 * counts to {@code target/fuzz-runs/NAME.txt} (the figures in docs/reliability.md) and, in fuzzing
 * mode, fails a target that hardly ran.
 */
public final class FuzzRuns {

  /** No single input to any target may take this long (each takes microseconds to milliseconds). */
  public static final int HANG_SECONDS = 10;

  /** Fewer executions than this in fuzzing mode means the target did not really fuzz. */
  static final long MIN_EXECUTIONS = 100;

  /** The body of one execution. */
  @FunctionalInterface
  public interface Execution {
    void run() throws Exception;
  }

  private final String name;
  private final List<Class<? extends Throwable>> refusals;
  private final AtomicLong executions = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final long created = System.nanoTime();
  private volatile long runningSince;
  private volatile Thread fuzzingThread;
  private volatile boolean watching;

  /** {@code refusals}: the exception types the target documents for bad input (docs/limits.md). */
  @SafeVarargs
  public FuzzRuns(String name, Class<? extends Throwable>... refusals) {
    this.name = name;
    this.refusals = List.of(refusals);
  }

  /** True when Jazzer mutates inputs (JAZZER_FUZZ set, as the surefire "fuzz" execution does). */
  public static boolean fuzzing() {
    String v = System.getenv("JAZZER_FUZZ");
    return v != null && !v.isEmpty() && !v.equals("0");
  }

  public void run(Execution execution) throws Exception {
    startWatchdog();
    executions.incrementAndGet();
    runningSince = System.nanoTime();
    try {
      execution.run();
    } catch (Exception e) {
      if (refusals.stream().noneMatch(t -> t.isInstance(e))) {
        throw e;
      }
      refused.incrementAndGet();
    } finally {
      runningSince = 0;
    }
  }

  public long executions() {
    return executions.get();
  }

  /** Call from {@code @AfterAll}: records the run and checks that it fuzzed at all. */
  public void finish() {
    watching = false;
    double seconds = (System.nanoTime() - created) / 1e9;
    String line =
        String.format(
            "target=%s mode=%s executions=%d refused_as_bad_input=%d seconds=%.1f refusals=%s%n",
            name,
            fuzzing() ? "fuzzing" : "regression",
            executions.get(),
            refused.get(),
            seconds,
            refusals.stream().map(Class::getSimpleName).collect(Collectors.joining(",")));
    System.out.print("FUZZ " + line);
    try {
      Path dir = Files.createDirectories(Path.of("target", "fuzz-runs"));
      Files.writeString(dir.resolve(name + ".txt"), line);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (fuzzing()) {
      Assertions.assertTrue(
          executions.get() >= MIN_EXECUTIONS,
          name + ": only " + executions.get() + " executions in fuzzing mode");
    }
  }

  private void startWatchdog() {
    if (watching) {
      return;
    }
    watching = true;
    fuzzingThread = Thread.currentThread();
    Thread watchdog = new Thread(this::watch, "fuzz-watchdog-" + name);
    watchdog.setDaemon(true);
    watchdog.start();
  }

  private void watch() {
    while (watching) {
      long since = runningSince;
      if (since != 0 && System.nanoTime() - since > HANG_SECONDS * 1_000_000_000L) {
        System.err.println(
            "FUZZ HANG "
                + name
                + ": one execution has run for more than "
                + HANG_SECONDS
                + " s, at\n"
                + Arrays.stream(fuzzingThread.getStackTrace())
                    .map(f -> "    at " + f)
                    .collect(Collectors.joining("\n")));
        System.err.flush();
        Runtime.getRuntime().halt(70);
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        return;
      }
    }
  }
}
