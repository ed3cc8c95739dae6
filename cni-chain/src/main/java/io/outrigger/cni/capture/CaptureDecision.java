package io.outrigger.cni.capture;

/** What to do for one pod: write these rules, or pass it through untouched (and why). */
public sealed interface CaptureDecision {
  /** A short word for the log line: {@code capture} or {@code skip}. */
  String summary();

  record Capture(CaptureConfig config) implements CaptureDecision {
    @Override
    public String summary() {
      return "capture";
    }
  }

  record Skip(String reason) implements CaptureDecision {
    @Override
    public String summary() {
      return "skip(" + reason + ")";
    }
  }
}
