package io.outrigger.hostmode.pod;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * When a pod's readiness probes are sent. A probe that has not passed yet, or failed last time, is
 * sent at every check (host mode checks every 300 ms, so a pod turns Ready soon after its app
 * listens); one that passed is repeated only after its {@code periodSeconds} (Kubernetes' default
 * 10 s), as the kubelet does. Probing a Ready pod every 300 ms sent its sidecar 33 times the
 * requests a kubelet would, and that traffic measurably widened the sidecar's latency tail
 * (BENCHMARKS.md, data plane, "Interleaved verdict").
 */
final class ReadinessSchedule {
  private final List<Entry> entries = new ArrayList<>();

  private static final class Entry {
    final Probes.Probe probe;
    boolean passed;
    Instant due = Instant.MIN;

    Entry(Probes.Probe probe) {
      this.probe = probe;
    }
  }

  synchronized void add(Probes.Probe probe) {
    entries.add(new Entry(probe));
  }

  /**
   * Whether every probe passes as of {@code now}: a probe that passed within its period counts as
   * passing without being sent again; the others are sent (in order, up to the first that fails).
   */
  synchronized boolean allPass(String podIp, Instant now) {
    for (Entry e : entries) {
      if (!e.passed || !now.isBefore(e.due)) {
        e.passed = e.probe.passes(podIp);
        e.due = now.plus(e.probe.period());
      }
      if (!e.passed) {
        return false;
      }
    }
    return true;
  }
}
