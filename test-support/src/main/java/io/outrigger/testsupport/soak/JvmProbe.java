package io.outrigger.testsupport.soak;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a soak samples of a JVM under load, from outside it: the live heap after a full GC ({@code
 * jcmd GC.run}, then {@code GC.heap_info}) and the thread count ({@code /proc/PID/status}); and the
 * machine's load average, which on a shared machine says how much of a figure is the neighbours.
 */
public final class JvmProbe {
  private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");
  private static final Pattern HISTOGRAM_TOTAL =
      Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$");

  private final long pid;

  public JvmProbe(long pid) {
    this.pid = pid;
  }

  public long pid() {
    return pid;
  }

  /**
   * Live heap, in bytes: the total of {@code jcmd GC.class_histogram}, which counts live objects in
   * the safepoint of its own full GC. ({@code GC.run} then {@code GC.heap_info}, as first written,
   * also counted what the program allocated between the two commands: at the webhook's 5,000
   * requests/s, samples of 58 to 127 MiB with no trend.)
   */
  public long heapAfterGcBytes() throws IOException, InterruptedException {
    String histogram = jcmd("GC.class_histogram");
    Matcher m = HISTOGRAM_TOTAL.matcher(histogram);
    if (!m.find()) {
      throw new IllegalStateException("pid " + pid + ": no Total line in GC.class_histogram");
    }
    return Long.parseLong(m.group(1));
  }

  /**
   * Heap in use right after {@code jcmd GC.run} ({@code GC.heap_info}): what the xDS benchmark has
   * always reported; it includes what the program allocated between the two commands.
   */
  public long heapUsedAfterGcRunBytes() throws IOException, InterruptedException {
    jcmd("GC.run");
    String info = jcmd("GC.heap_info");
    Matcher m = HEAP_USED.matcher(info);
    if (!m.find()) {
      throw new IllegalStateException("pid " + pid + ": no 'used NK' in GC.heap_info: " + info);
    }
    return Long.parseLong(m.group(1)) * 1024;
  }

  /**
   * The {@code top} classes by live bytes ({@code jcmd GC.class_histogram}, which collects first),
   * so that a heap that grew can be explained by what grew.
   */
  public String topClasses(int top) throws IOException, InterruptedException {
    String[] lines = jcmd("GC.class_histogram").split("\n");
    return String.join(
        "\n", java.util.Arrays.copyOfRange(lines, 0, Math.min(lines.length, top + 3)));
  }

  /** Threads of the process (every thread the kernel knows: Java, GC, JIT). */
  public int threads() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("Threads:")) {
        return Integer.parseInt(line.substring("Threads:".length()).trim());
      }
    }
    throw new IllegalStateException("pid " + pid + ": no Threads: line in /proc status");
  }

  /** Runs a diagnostic command in the JVM (GC, heap, JFR). */
  public String jcmd(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
    command.add(Long.toString(pid));
    command.addAll(List.of(args));
    // Output to a file, so that a jcmd that never answers is ended after 60 s instead of blocking
    // a read for ever (seen once: two attaches at the same moment froze the target JVM).
    Path out = Files.createTempFile("jcmd-", ".txt");
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
      boolean done = p.waitFor(60, TimeUnit.SECONDS);
      String text = Files.readString(out, StandardCharsets.UTF_8);
      if (!done || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException(
            "jcmd " + String.join(" ", args) + " on pid " + pid + " failed: " + text);
      }
      return text;
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /** The first three fields of /proc/loadavg: 1, 5 and 15 minutes. */
  public static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  /** Relative change from {@code first} to {@code last}, e.g. 0.05 for +5 %. */
  public static double change(double first, double last) {
    return (last - first) / first;
  }

  public static String mib(long bytes) {
    return String.format("%.1f MiB", bytes / 1024.0 / 1024.0);
  }
}
