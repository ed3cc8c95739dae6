package io.outrigger.cni.install;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.outrigger.cni.capture.CaptureDecision;
import io.outrigger.cni.capture.CapturePolicy;
import io.outrigger.cni.capture.InvalidAnnotationException;
import io.outrigger.cni.plugin.PodRecords;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * "CNI not ready" (istio-cni's repair controller, adapted): a meshed pod on this node that got its
 * network while our entry was missing from the conflist runs without capture rules, its traffic
 * bypassing the sidecar. The plugin records every pod it sets up ({@link PodRecords}); a pod that
 * the plugin would capture, that has its IP (so its network setup is over) and that has no record
 * was set up without us. Such a pod is deleted (its controller recreates it, now through the
 * plugin) or, with {@link Action#LABEL}, labelled {@value #BROKEN_LABEL}{@code =true} for an
 * operator. The controller only acts while the node itself is ready (our entry chained, the plugin
 * in place), so a repaired pod comes back with rules.
 */
public final class RepairController {
  private static final Logger LOG = LoggerFactory.getLogger(RepairController.class);
  public static final String BROKEN_LABEL = "outrigger.io/cni-rules-missing";

  /**
   * How long a torn-down sandbox's pod may still be listed Pending/Running (kubelet reports after
   * DEL).
   */
  static final Duration TEARDOWN_GRACE = Duration.ofMinutes(2);

  static final Duration TOMBSTONE_LIFETIME = Duration.ofMinutes(10);

  public enum Action {
    DELETE,
    LABEL
  }

  private final KubernetesClient client;
  private final String nodeName;
  private final CapturePolicy policy;
  private final Path records;
  private final Action action;

  /** Pods already acted on (by UID): a deleted pod may be listed again while it terminates. */
  private final Set<String> repaired = new HashSet<>();

  public RepairController(
      KubernetesClient client,
      String nodeName,
      List<String> excludeNamespaces,
      Path records,
      Action action) {
    this.client = client;
    this.nodeName = nodeName;
    this.policy = new CapturePolicy(Set.copyOf(excludeNamespaces));
    this.records = records;
    this.action = action;
  }

  /** One pass over the node's pods; returns the ones it repaired ("ns/name"). */
  public List<String> reconcile() {
    List<String> done = new ArrayList<>();
    removeOldTombstones();
    List<Pod> pods;
    try {
      pods = client.pods().inAnyNamespace().withField("spec.nodeName", nodeName).list().getItems();
    } catch (KubernetesClientException e) {
      LOG.warn("event=cni-repair-list-failed node={} reason=\"{}\"", nodeName, reason(e));
      return done;
    }
    for (Pod pod : pods) {
      if (needsRepair(pod)) {
        String name = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
        try {
          repair(pod);
          repaired.add(pod.getMetadata().getUid());
          done.add(name);
          LOG.warn(
              "event=cni-repair pod={} action={} reason=\"meshed pod set up without outrigger-cni: no capture rules\"",
              name,
              action.name().toLowerCase(java.util.Locale.ROOT));
        } catch (KubernetesClientException e) {
          LOG.warn("event=cni-repair-failed pod={} reason=\"{}\"", name, reason(e));
        }
      }
    }
    return done;
  }

  /**
   * fabric8's message names the operation only; the cause says what went wrong (refused, timed out,
   * 403).
   */
  private static String reason(KubernetesClientException e) {
    return e.getCause() == null ? e.getMessage() : e.getMessage() + ": " + e.getCause();
  }

  private boolean needsRepair(Pod pod) {
    var meta = pod.getMetadata();
    var status = pod.getStatus();
    if (meta.getDeletionTimestamp() != null
        || repaired.contains(meta.getUid())
        || Boolean.TRUE.equals(pod.getSpec().getHostNetwork())
        || status == null
        || status.getPodIP() == null
        || !Set.of("Pending", "Running").contains(status.getPhase())
        || (meta.getLabels() != null && meta.getLabels().containsKey(BROKEN_LABEL))) {
      return false;
    }
    List<String> ips =
        status.getPodIPs() == null || status.getPodIPs().isEmpty()
            ? List.of(status.getPodIP())
            : status.getPodIPs().stream().map(PodIP::getIp).toList();
    Map<String, String> annotations =
        meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();
    try {
      if (!(policy.decide(meta.getNamespace(), meta.getName(), annotations, ips)
          instanceof CaptureDecision.Capture)) {
        return false;
      }
    } catch (InvalidAnnotationException e) {
      return false; // the plugin refuses such a pod's ADD: it never gets an IP through us.
    }
    return !recorded(PodRecords.key(meta.getUid(), null, null))
        && !recorded(PodRecords.key(null, meta.getNamespace(), meta.getName()));
  }

  /**
   * A record, or a tombstone of a sandbox torn down within {@link #TEARDOWN_GRACE} (its pod's phase
   * lags).
   */
  private boolean recorded(String key) {
    if (Files.exists(records.resolve(key))) {
      return true;
    }
    try {
      return Files.getLastModifiedTime(records.resolve(key + PodRecords.TORN_DOWN_SUFFIX))
          .toInstant()
          .isAfter(Instant.now().minus(TEARDOWN_GRACE));
    } catch (IOException e) {
      return false;
    }
  }

  /** Tombstones past their use: the pod's status has long caught up with its torn-down sandbox. */
  private void removeOldTombstones() {
    Instant old = Instant.now().minus(TOMBSTONE_LIFETIME);
    try (Stream<Path> files = Files.list(records)) {
      for (Path file :
          files
              .filter(f -> f.getFileName().toString().endsWith(PodRecords.TORN_DOWN_SUFFIX))
              .toList()) {
        if (Files.getLastModifiedTime(file).toInstant().isBefore(old)) {
          Files.deleteIfExists(file);
        }
      }
    } catch (NoSuchFileException e) {
      // No pod was set up on this node yet.
    } catch (IOException e) {
      LOG.warn("event=cni-repair-tombstones-failed dir={} reason=\"{}\"", records, e.getMessage());
    }
  }

  private void repair(Pod pod) {
    var pods =
        client
            .pods()
            .inNamespace(pod.getMetadata().getNamespace())
            .withName(pod.getMetadata().getName());
    if (action == Action.DELETE) {
      pods.delete();
    } else {
      pods.edit(
          p -> {
            p.getMetadata()
                .setLabels(
                    p.getMetadata().getLabels() == null
                        ? new java.util.HashMap<>()
                        : p.getMetadata().getLabels());
            p.getMetadata().getLabels().put(BROKEN_LABEL, "true");
            return p;
          });
    }
  }
}
