package io.outrigger.cni.plugin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * The per-node log of the plugin ({@code log_file} in its conflist entry): one key=value line per
 * call. Written directly rather than through SLF4J because the plugin is a short-lived exec whose
 * start-up time matters; each line is a single O_APPEND write, so concurrent calls do not
 * interleave.
 */
public final class CallLog {
  private final Path file;

  /** {@code file} may be null: no log configured. */
  public CallLog(Path file) {
    this.file = file;
  }

  /**
   * {@code version}: the plugin's ({@link PluginVersion}), so a CNI upgrade is visible per call.
   */
  public record Entry(
      String command,
      String containerId,
      String pod,
      String decision,
      long micros,
      String outcome,
      String version) {}

  public void write(Entry e) {
    if (file == null) {
      return;
    }
    String line =
        "time="
            + utcNow()
            + " command="
            + e.command()
            + " container="
            + orDash(e.containerId())
            + " pod="
            + e.pod()
            + " decision="
            + e.decision()
            + " duration_ms="
            + (e.micros() / 1000)
            + "."
            + (e.micros() % 1000 / 100)
            + " result="
            + quoteIfNeeded(e.outcome())
            + " version="
            + e.version()
            + "\n";
    try {
      Path parent = file.getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(
          file,
          line,
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND,
          StandardOpenOption.WRITE);
    } catch (IOException ex) {
      // The log must never fail a pod's network setup; the runtime still gets the result.
      System.err.println("outrigger-cni: cannot write log file " + file + ": " + ex.getMessage());
    }
  }

  /**
   * ISO-8601 UTC; Instant.toString() would initialise DateTimeFormatter, which costs the plugin's
   * start-up.
   */
  private static String utcNow() {
    Instant now = Instant.now();
    return LocalDateTime.ofEpochSecond(now.getEpochSecond(), now.getNano(), ZoneOffset.UTC) + "Z";
  }

  private static String orDash(String s) {
    return s == null || s.isEmpty() ? "-" : s.length() > 12 ? s.substring(0, 12) : s;
  }

  private static String quoteIfNeeded(String s) {
    String oneLine = s.replace('\n', ' ');
    return oneLine.indexOf(' ') < 0 ? oneLine : "\"" + oneLine.replace("\"", "'") + "\"";
  }
}
