package io.outrigger.cni.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CallLogTest {
  @Test
  void timestampIsTheUtcInstantToTheMillisecond() {
    // Leap days, century years (2100 is not a leap year, 2000 is), year ends, the epoch, before it.
    List<String> instants =
        List.of(
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59.999Z",
            "2000-02-29T12:00:00.001Z",
            "2024-02-29T23:59:59.999Z",
            "2026-12-06T12:07:29.455Z",
            "2026-12-31T23:59:59.5Z",
            "2100-03-01T00:00:00Z",
            "9999-12-31T23:59:59.999Z");
    for (String s : instants) {
      Instant i = Instant.parse(s);
      assertThat(CallLog.utc(i.toEpochMilli()))
          .as(s)
          .isEqualTo(i.toString().replace("Z", "").concat(fraction(i)) + "Z")
          .satisfies(out -> assertThat(Instant.parse(out)).isEqualTo(i));
    }
    long now = System.currentTimeMillis();
    assertThat(Instant.parse(CallLog.utc(now)))
        .isEqualTo(Instant.ofEpochMilli(now).truncatedTo(ChronoUnit.MILLIS));
  }

  /**
   * Instant.toString() leaves out a zero fraction and zero seconds' digits are kept; ours is fixed.
   */
  private static String fraction(Instant i) {
    return i.getNano() == 0 ? ".000" : "";
  }

  @Test
  void appendsOneLinePerCallAndCreatesTheLogDirectory(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("a/b/outrigger-cni.log");
    CallLog log = new CallLog(new File(file.toString()));
    log.write(new CallLog.Entry("ADD", "0123456789abcdef", "ns/p", "capture", 12_345, "ok", "1.2"));
    log.write(
        new CallLog.Entry("DEL", null, "ns/p", "removed", 999, "error code=100 no \"x\"", "1.2"));
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0))
        .matches(
            "time=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z command=ADD container=0123456789ab"
                + " pod=ns/p decision=capture duration_ms=12\\.3 result=ok version=1\\.2");
    assertThat(lines.get(1))
        .endsWith(
            "command=DEL container=- pod=ns/p decision=removed duration_ms=0.9"
                + " result=\"error code=100 no 'x'\" version=1.2");
  }

  @Test
  void aLogThatCannotBeOpenedIsReportedOnStderrWithTheReason(@TempDir Path dir) throws Exception {
    Path notADir = Files.writeString(dir.resolve("file"), "");
    File log = new File(notADir.resolve("outrigger-cni.log").toString());
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream saved = System.err;
    System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      new CallLog(log).write(new CallLog.Entry("ADD", "c", "ns/p", "capture", 1, "ok", "1"));
    } finally {
      System.setErr(saved);
    }
    assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("outrigger-cni: cannot write log file " + log + ": Not a directory\n");
  }
}
