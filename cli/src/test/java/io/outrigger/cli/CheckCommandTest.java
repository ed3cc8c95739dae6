package io.outrigger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outrigger.testsupport.Prerequisites;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code outrigger check} on this host, which has everything host mode needs (root, iptables with
 * nat REDIRECT, the CNI plugins, Envoy 1.40, a JDK), and on the same host seen through a broken
 * environment (PATH and CNI_PATH pointing at an empty directory, an Envoy of another version).
 */
class CheckCommandTest {
  @TempDir Path tmp;

  private static Map<String, String> hostEnv() {
    Prerequisites.requireRoot();
    Prerequisites.requireCniPlugins("loopback", "bridge", "host-local");
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("ENVOY_BIN", Prerequisites.requireEnvoy().toString());
    return env;
  }

  @Test
  void thisHostPassesEveryCheck() throws IOException {
    CliRun run = CliRun.withEnv(hostEnv(), "check");
    assertThat(run.exitCode()).as(run.out()).isZero();
    List<String> lines = run.out().lines().toList();
    for (String name :
        List.of("root", "commands", "iptables", "nat-redirect", "cni-plugins", "envoy", "jdk")) {
      assertThat(lines).as(run.out()).anySatisfy(l -> assertThat(l).matches("OK +" + name + " .*"));
    }
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("OK +envoy +Envoy 1\\.40\\.\\d+ .*"));
    assertThat(lines)
        .anySatisfy(
            l -> assertThat(l).matches("OK +iptables +iptables \\S+, (nf_tables|legacy) backend"));
    // Ports may be held by another mesh on a shared host: that is a WARN, never a FAIL.
    assertThat(lines)
        .filteredOn(l -> l.contains("port-"))
        .hasSize(4)
        .allSatisfy(l -> assertThat(l).matches("(OK|WARN) +port-150(10|12|14|17) .*"));
    assertThat(lines).noneSatisfy(l -> assertThat(l).startsWith("FAIL"));
    assertThat(netnsNames())
        .as("the scratch netns of the REDIRECT check is removed")
        .noneMatch(n -> n.startsWith("outrigger-check-" + ProcessHandle.current().pid()));

    JsonNode json =
        new ObjectMapper().readTree(CliRun.withEnv(hostEnv(), "check", "-o", "json").out());
    assertThat(json.path("ok").asBoolean()).isTrue();
    assertThat(json.path("checks").findValuesAsText("name"))
        .contains("root", "nat-redirect", "envoy", "jdk");
  }

  @Test
  void anEmptyPathAndCniDirFailWithTheirFixes() throws IOException {
    Path empty = Files.createDirectory(tmp.resolve("empty"));
    Map<String, String> env = new HashMap<>(hostEnv());
    env.put("PATH", empty.toString());
    env.put("CNI_PATH", empty.toString());
    env.remove("ENVOY_BIN");
    CliRun run = CliRun.withEnv(env, "check");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out().lines())
        .contains(
            "FAIL  commands      ip, nsenter, iptables, iptables-restore, curl not on PATH; fix: apt-get install iproute2 "
                + "util-linux iptables curl",
            "FAIL  iptables      iptables not on PATH; fix: apt-get install iptables",
            "FAIL  nat-redirect  not tried: iptables or ip is missing; fix: apt-get install iptables iproute2",
            "FAIL  cni-plugins   loopback, bridge, host-local missing in "
                + empty
                + "; fix: apt-get install "
                + "containernetworking-plugins (or set CNI_PATH to where they are)",
            "FAIL  envoy         ENVOY_BIN is not set and envoy is not on PATH; fix: run scripts/bootstrap.sh (it installs "
                + "Envoy 1.40.x) or set ENVOY_BIN");
    assertThat(run.out().lines()).anySatisfy(l -> assertThat(l).matches("OK +root .*"));
  }

  @Test
  void anEnvoyOfAnotherVersionIsAWarning() throws IOException {
    Path old = tmp.resolve("envoy");
    Files.writeString(
        old, "#!/bin/sh\necho \"envoy  version: 0000/1.39.2/Clean/RELEASE/BoringSSL\"\n");
    Files.setPosixFilePermissions(old, PosixFilePermissions.fromString("rwxr-xr-x"));
    Map<String, String> env = hostEnv();
    env.put("ENVOY_BIN", old.toString());
    CliRun run = CliRun.withEnv(env, "check");
    assertThat(run.exitCode()).isZero();
    assertThat(run.out().lines())
        .contains(
            "WARN  envoy         Envoy 1.39.2, the mesh is built and tested with 1.40.x; "
                + "fix: run scripts/bootstrap.sh (it installs Envoy 1.40.x) or set ENVOY_BIN");
  }

  private static List<String> netnsNames() {
    try {
      Path dir = Path.of("/var/run/netns");
      return Files.isDirectory(dir)
          ? Files.list(dir).map(p -> p.getFileName().toString()).toList()
          : List.of();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
