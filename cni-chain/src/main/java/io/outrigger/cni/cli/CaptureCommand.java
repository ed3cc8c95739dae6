package io.outrigger.cni.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.outrigger.cni.capture.CaptureApplier;
import io.outrigger.cni.capture.CaptureDecision;
import io.outrigger.cni.capture.CapturePolicy;
import io.outrigger.cni.capture.CaptureRules;
import io.outrigger.cni.capture.CommandRunner;
import io.outrigger.cni.capture.FamilyRules;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code outrigger capture apply|remove|render}: the same rules the CNI plugin writes, for
 * host-mode pods and for a privileged init container in clusters without the plugin.
 */
@Command(
    name = "capture",
    description =
        "Write, remove or print a pod's traffic capture rules (what outrigger-cni writes).",
    mixinStandardHelpOptions = true,
    subcommands = {
      CaptureCommand.Apply.class,
      CaptureCommand.Remove.class,
      CaptureCommand.Render.class
    })
public final class CaptureCommand implements Runnable {
  private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(20);

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "a subcommand is required: apply, remove or render");
  }

  /** Which pod: its annotations and, for messages, its name. */
  static class PodOptions {
    @Option(
        names = "--annotations",
        required = true,
        description =
            "YAML or JSON file: a map of annotations, or a Pod manifest (metadata.annotations is used)")
    Path annotations;

    @Option(
        names = "--pod",
        defaultValue = "default/pod",
        description = "namespace/name, for messages (default: ${DEFAULT-VALUE})")
    String pod;

    CaptureDecision decide(boolean ipv6) {
      String[] nsName = pod.contains("/") ? pod.split("/", 2) : new String[] {"default", pod};
      return new CapturePolicy(Set.of())
          .decide(
              nsName[0],
              nsName[1],
              readAnnotations(annotations),
              ipv6 ? List.of("::1") : List.of());
    }
  }

  @Command(
      name = "apply",
      mixinStandardHelpOptions = true,
      description =
          "Write the capture rules in a network namespace, atomically per address family.")
  static final class Apply implements Callable<Integer> {
    @Option(
        names = "--netns",
        required = true,
        description = "the pod's netns, e.g. /var/run/netns/web-1")
    Path netns;

    @picocli.CommandLine.Mixin PodOptions pod;

    @Override
    public Integer call() {
      CommandRunner runner = new CommandRunner(TOOL_TIMEOUT);
      CaptureDecision decision = pod.decide(hasIpv6(runner, netns));
      if (decision instanceof CaptureDecision.Capture capture) {
        new CaptureApplier(runner).apply(netns, CaptureRules.render(capture.config()));
        System.out.println("capture rules written in " + netns);
      } else {
        System.out.println("no capture rule written in " + netns + ": " + decision.summary());
      }
      return 0;
    }
  }

  @Command(
      name = "remove",
      mixinStandardHelpOptions = true,
      description = "Remove every capture rule of ours from a netns.")
  static final class Remove implements Callable<Integer> {
    @Option(names = "--netns", required = true, description = "the pod's netns")
    Path netns;

    @Override
    public Integer call() {
      new CaptureApplier(new CommandRunner(TOOL_TIMEOUT)).remove(netns);
      System.out.println("capture rules removed from " + netns);
      return 0;
    }
  }

  @Command(
      name = "render",
      mixinStandardHelpOptions = true,
      description = "Print the iptables-restore input, touching nothing.")
  static final class Render implements Callable<Integer> {
    @picocli.CommandLine.Mixin PodOptions pod;

    @Option(names = "--ipv6", description = "also print the ip6tables rules")
    boolean ipv6;

    @Override
    public Integer call() {
      CaptureDecision decision = pod.decide(ipv6);
      if (!(decision instanceof CaptureDecision.Capture capture)) {
        System.out.println("# no capture: " + decision.summary());
        return 0;
      }
      for (FamilyRules rules : CaptureRules.render(capture.config())) {
        System.out.println("# " + rules.family().restoreCommand() + " --noflush");
        System.out.print(rules.createText());
      }
      return 0;
    }
  }

  /** The pod has a global IPv6 address in its netns: then ip6tables rules are written too. */
  static boolean hasIpv6(CommandRunner runner, Path netns) {
    CommandRunner.Result r =
        runner.run(
            List.of(
                "nsenter", "--net=" + netns, "ip", "-o", "-6", "addr", "show", "scope", "global"),
            null);
    return r.ok() && !r.stdout().isBlank();
  }

  @SuppressWarnings("unchecked")
  static Map<String, String> readAnnotations(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("annotations file " + file + ": cannot read", e);
    }
    Object parsed;
    try {
      parsed = new ObjectMapper(new YAMLFactory()).readValue(text, Object.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "annotations file " + file + ": not YAML or JSON: " + e.getOriginalMessage(), e);
    }
    if (parsed != null && !(parsed instanceof Map<?, ?>)) {
      throw new IllegalArgumentException(
          "annotations file "
              + file
              + ": expected a map of annotations or a Pod "
              + "manifest, found "
              + (parsed instanceof List<?> ? "a list" : "a single value"));
    }
    Map<String, Object> doc = parsed == null ? Map.of() : (Map<String, Object>) parsed;
    if (doc.get("metadata") instanceof Map<?, ?> metadata) {
      Object annotations = metadata.get("annotations");
      doc = annotations instanceof Map<?, ?> a ? (Map<String, Object>) a : Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>();
    doc.forEach((k, v) -> out.put(k, v == null ? "" : String.valueOf(v)));
    return out;
  }
}
