package io.outrigger.cni.plugin;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The per-node log of the plugin ({@code log_file} in its conflist entry): one key=value line per
 * call. Written directly rather than through SLF4J because the plugin is a short-lived exec whose
 * start-up time matters; each line is a single O_APPEND write, so concurrent calls do not
 * interleave.
 */
public final class CallLog {
  private final File file;
  private FileOutputStream opened;
  private IOException openFailure;
  private boolean openTried;

  /** {@code file} may be null: no log configured. */
  public CallLog(File file) {
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
            + utc(System.currentTimeMillis())
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
    // java.io rather than Files.writeString: the NIO channel behind the latter loads ~40 classes
    // and libnet on every plugin call. FileOutputStream in append mode is O_APPEND, and a line this
    // short goes out in one write(2).
    byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
    open();
    try {
      if (openFailure != null) {
        throw openFailure;
      }
      try (FileOutputStream out = opened) {
        out.write(bytes);
      }
    } catch (IOException ex) {
      // The log must never fail a pod's network setup; the runtime still gets the result.
      System.err.println("outrigger-cni: cannot write log file " + file + ": " + reason(ex));
    } finally {
      opened = null;
      openFailure = null;
      openTried = false;
    }
  }

  /**
   * Opens the file ahead of {@link #write} (the plugin does it while its tool runs); a failure is
   * reported by {@code write}. Once per line: {@code write} closes it.
   */
  public void open() {
    if (file == null || openTried) {
      return;
    }
    openTried = true;
    try {
      opened = openForAppend();
    } catch (IOException e) {
      openFailure = e;
    }
  }

  /** The OS's reason; java.io says "PATH (reason)" when a file cannot be opened. */
  private String reason(IOException e) {
    String m = String.valueOf(e.getMessage());
    String prefix = file.getPath() + " (";
    return m.startsWith(prefix) && m.endsWith(")")
        ? m.substring(prefix.length(), m.length() - 1)
        : m;
  }

  /** Opens the log for appending; its directory is created only when the file cannot be opened. */
  private FileOutputStream openForAppend() throws IOException {
    try {
      return new FileOutputStream(file, true);
    } catch (FileNotFoundException missingDir) {
      File parent = file.getAbsoluteFile().getParentFile();
      if (parent == null || parent.isDirectory() || !parent.mkdirs()) {
        throw missingDir;
      }
      return new FileOutputStream(file, true);
    }
  }

  /**
   * ISO-8601 UTC with milliseconds ({@code 2026-12-06T12:07:29.455Z}), computed from the epoch
   * milliseconds: java.time (Instant, LocalDateTime, ZoneOffset) would initialise ~50 classes, var
   * handles and constant descriptors among them, on every plugin call.
   */
  static String utc(long epochMillis) {
    long days = Math.floorDiv(epochMillis, 86_400_000L);
    long ms = Math.floorMod(epochMillis, 86_400_000L);
    // Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's civil_from_days).
    long z = days + 719_468;
    long era = Math.floorDiv(z, 146_097);
    long doe = z - era * 146_097;
    long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long day = doy - (153 * mp + 2) / 5 + 1;
    long month = mp < 10 ? mp + 3 : mp - 9;
    long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    StringBuilder sb = new StringBuilder(24);
    pad(sb, year, 4).append('-');
    pad(sb, month, 2).append('-');
    pad(sb, day, 2).append('T');
    pad(sb, ms / 3_600_000, 2).append(':');
    pad(sb, ms / 60_000 % 60, 2).append(':');
    pad(sb, ms / 1000 % 60, 2).append('.');
    return pad(sb, ms % 1000, 3).append('Z').toString();
  }

  private static StringBuilder pad(StringBuilder sb, long value, int width) {
    String digits = Long.toString(value);
    for (int i = digits.length(); i < width; i++) {
      sb.append('0');
    }
    return sb.append(digits);
  }

  private static String orDash(String s) {
    return s == null || s.isEmpty() ? "-" : s.length() > 12 ? s.substring(0, 12) : s;
  }

  private static String quoteIfNeeded(String s) {
    String oneLine = s.replace('\n', ' ');
    return oneLine.indexOf(' ') < 0 ? oneLine : "\"" + oneLine.replace("\"", "'") + "\"";
  }
}
