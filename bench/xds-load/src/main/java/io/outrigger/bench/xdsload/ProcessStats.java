package io.outrigger.bench.xdsload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the kernel counts for a process, whatever its language: CPU time ({@code /proc/PID/stat})
 * and resident memory ({@code /proc/PID/status}), so that a Go and a Java control plane are
 * measured alike.
 */
final class ProcessStats {
  /** {@code USER_HZ}: the unit of the times in {@code /proc/PID/stat}, 100 on Linux. */
  private static final double CLOCK_TICKS_PER_SECOND = 100.0;

  /** User + system CPU seconds the process has used so far (all its threads). */
  static double cpuSeconds(long pid) {
    String stat = read(pid, "stat");
    // After the command name, which may hold spaces: field 3 (state) is index 0, utime (14) is
    // index 11, stime (15) index 12.
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / CLOCK_TICKS_PER_SECOND;
  }

  /** Resident set size ({@code VmRSS}). */
  static long rssBytes(long pid) {
    return kibField(pid, "VmRSS:") * 1024;
  }

  /** Peak resident set size so far ({@code VmHWM}). */
  static long peakRssBytes(long pid) {
    return kibField(pid, "VmHWM:") * 1024;
  }

  private static long kibField(long pid, String field) {
    for (String line : read(pid, "status").split("\n")) {
      if (line.startsWith(field)) {
        return Long.parseLong(line.substring(field.length()).strip().split("\\s+")[0]);
      }
    }
    throw new IllegalStateException("pid " + pid + ": no " + field + " in /proc status");
  }

  private static String read(long pid, String file) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(pid), file));
    } catch (IOException e) {
      throw new UncheckedIOException("pid " + pid + " is gone or unreadable", e);
    }
  }

  private ProcessStats() {}
}
