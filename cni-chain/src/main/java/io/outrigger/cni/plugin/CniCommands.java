package io.outrigger.cni.plugin;

import io.outrigger.cni.capture.CaptureApplier;
import io.outrigger.cni.capture.CaptureDecision;
import io.outrigger.cni.capture.CaptureException;
import io.outrigger.cni.capture.CapturePolicy;
import io.outrigger.cni.capture.CaptureRules;
import io.outrigger.cni.capture.InvalidAnnotationException;
import io.outrigger.cni.capture.IpFamily;
import io.outrigger.cni.kube.Kubeconfig;
import io.outrigger.cni.kube.PodAnnotationsClient;
import io.outrigger.cni.kube.PodLookupException;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * ADD, DEL and CHECK of the chained plugin: decide per pod, then write, remove or verify its
 * capture rules.
 */
final class CniCommands {
  private static final Duration API_TIMEOUT = Duration.ofSeconds(5);

  private final CaptureApplier applier;

  CniCommands(CaptureApplier applier) {
    this.applier = applier;
  }

  /**
   * Returns the decision for the log; the caller prints prevResult. {@code meanwhile} (may be null)
   * runs while the first tool that writes the rules runs, if there is one.
   */
  CaptureDecision add(CniRequest req, PluginConfig conf, Runnable meanwhile) {
    Map<String, Object> prev = conf.requirePrevResult("ADD");
    req.requireContainerId();
    Path netns = requireNetns(req);
    CaptureDecision decision = decide(req, conf, prev);
    if (decision instanceof CaptureDecision.Capture capture) {
      try {
        applier.apply(netns, CaptureRules.render(capture.config()), meanwhile);
      } catch (CaptureException e) {
        throw new CniError(
            CniError.CAPTURE_FAILED,
            "pod " + req.pod() + ": " + e.getMessage(),
            "no capture rule was left in the pod netns");
      }
    }
    return decision;
  }

  /**
   * Idempotent: a missing or vanished netns means there is nothing left to remove. The IPv6 table
   * is left alone when the cached ADD result (prevResult, from CNI 0.4.0 on) shows no IPv6 address:
   * ADD wrote IPv6 rules only for a pod with one. A pod that ADD would not capture has its table
   * read first (one tool run when it holds nothing of ours, instead of a failed transaction and
   * then the read). {@code meanwhile} (may be null) runs while the first tool runs, if there is
   * one.
   */
  String del(CniRequest req, PluginConfig conf, Runnable meanwhile) {
    req.requireContainerId();
    if (req.netns().isBlank() || !new File(req.netns()).exists()) {
      return "netns-gone";
    }
    boolean ipv6 = true;
    if (conf.prevResult().isPresent()) {
      ipv6 = false;
      for (String ip : ResultConverter.podIps(conf.prevResult().get())) {
        ipv6 |= ip.indexOf(':') >= 0;
      }
    }
    try {
      applier.remove(Path.of(req.netns()), ipv6, likelyCaptured(req, conf), meanwhile);
      return "removed";
    } catch (CaptureException e) {
      if (!new File(req.netns()).exists()) {
        return "netns-gone";
      }
      throw new CniError(
          CniError.CAPTURE_FAILED,
          "pod " + req.pod() + ": " + e.getMessage(),
          "DEL can be retried");
    }
  }

  /**
   * Whether ADD probably wrote rules, from what the runtime passed (the pod's annotations, the
   * plugin's excluded namespaces; never an API call). It only orders DEL's tool runs: whatever the
   * answer, every rule of ours in the netns is removed.
   */
  private static boolean likelyCaptured(CniRequest req, PluginConfig conf) {
    if (conf.annotations().isEmpty()) {
      return true;
    }
    try {
      return new CapturePolicy(conf.excludeNamespaces())
              .decide(req.podNamespace(), req.podName(), conf.annotations().get(), List.of())
          instanceof CaptureDecision.Capture;
    } catch (InvalidAnnotationException e) {
      return true;
    }
  }

  CaptureDecision check(CniRequest req, PluginConfig conf) {
    if (!CniVersions.hasCheck(conf.cniVersion())) {
      throw new CniError(
          CniError.INCOMPATIBLE_VERSION,
          "CHECK is not defined for cniVersion " + conf.cniVersion(),
          "CHECK exists from cniVersion 0.4.0 on");
    }
    Map<String, Object> prev = conf.requirePrevResult("CHECK");
    req.requireContainerId();
    Path netns = requireNetns(req);
    CaptureDecision decision = decide(req, conf, prev);
    List<String> problems;
    if (decision instanceof CaptureDecision.Capture capture) {
      problems = new ArrayList<>();
      for (String rule : applier.missing(netns, CaptureRules.render(capture.config()))) {
        problems.add("missing: " + rule);
      }
    } else {
      problems = unexpectedChains(netns);
    }
    if (!problems.isEmpty()) {
      throw new CniError(
          CniError.CAPTURE_MISSING,
          "pod "
              + req.pod()
              + ": capture rules are not as expected ("
              + decision.summary()
              + "): "
              + problems.size()
              + " problem(s)",
          String.join("; ", problems));
    }
    return decision;
  }

  private List<String> unexpectedChains(Path netns) {
    List<String> problems = new ArrayList<>();
    for (IpFamily f : IpFamily.values()) {
      for (String l : applier.save(netns, f)) {
        if (l.startsWith(":" + CaptureRules.CHAIN_PREFIX)) {
          problems.add("unexpected " + f + " chain " + l.substring(1, l.indexOf(' ')));
        }
      }
    }
    return problems;
  }

  private CaptureDecision decide(CniRequest req, PluginConfig conf, Map<String, Object> prev) {
    String ns = req.podNamespace();
    if (ns != null && conf.excludeNamespaces().contains(ns)) {
      return new CaptureDecision.Skip("excluded-namespace");
    }
    Optional<Map<String, String>> annotations = conf.annotations();
    if (annotations.isEmpty()) {
      if (req.podName() == null) {
        return new CaptureDecision.Skip("not-a-kubernetes-pod");
      }
      annotations = Optional.of(fromApiServer(req, conf));
    }
    try {
      return new CapturePolicy(conf.excludeNamespaces())
          .decide(ns, req.podName(), annotations.get(), ResultConverter.podIps(prev));
    } catch (InvalidAnnotationException e) {
      throw new CniError(
          CniError.INVALID_ANNOTATION, e.getMessage(), "fix the annotation and recreate the pod");
    }
  }

  private static Map<String, String> fromApiServer(CniRequest req, PluginConfig conf) {
    if (conf.kubeconfig() == null) {
      throw new CniError(
          CniError.POD_LOOKUP_FAILED,
          "pod "
              + req.pod()
              + ": the runtime passed no pod annotations and no kubeconfig is configured",
          "declare the io.kubernetes.cri.pod-annotations capability, or install with --kubeconfig");
    }
    try {
      Kubeconfig kc = Kubeconfig.read(Path.of(conf.kubeconfig()));
      return new PodAnnotationsClient(kc, API_TIMEOUT)
          .annotations(req.podNamespace(), req.podName());
    } catch (PodLookupException | IllegalArgumentException e) {
      throw new CniError(
          CniError.POD_LOOKUP_FAILED, e.getMessage(), "the pod's annotations decide its capture");
    }
  }

  private static Path requireNetns(CniRequest req) {
    if (req.netns().isBlank()) {
      throw new CniError(
          CniError.INVALID_ENV,
          "CNI_NETNS is not set",
          "the runtime must pass the pod's netns path");
    }
    // java.io.File, not Files.exists: the NIO call would start the native-buffer cleaner thread.
    if (!new File(req.netns()).exists()) {
      throw new CniError(
          CniError.UNKNOWN_CONTAINER,
          "netns " + req.netns() + " does not exist",
          "pod " + req.pod());
    }
    return Path.of(req.netns());
  }
}
