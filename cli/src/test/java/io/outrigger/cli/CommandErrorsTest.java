package io.outrigger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The error policy itself: usage errors, bugs, and the stack-trace switch. */
class CommandErrorsTest {

  private static final String BUG_LINE =
      "error: internal error: java.lang.IllegalStateException: widget cache is empty";
  private static final String HINT =
      "This is a bug in outrigger; rerun with --stacktrace (or OUTRIGGER_STACKTRACE=1) "
          + "and report the stack trace it prints.";

  @TempDir Path tmp;

  /** No real command has a known bug to trigger, so the tree gets one that has. */
  @Command(name = "buggy")
  static final class Buggy implements Runnable {
    @Override
    public void run() {
      throw new IllegalStateException("widget cache is empty");
    }
  }

  private static CommandLine withBug(String stacktraceEnv) {
    CommandLine cli = Outrigger.commandLine(stacktraceEnv);
    cli.addSubcommand(new Buggy());
    return cli;
  }

  @Test
  void aBugIsOneInternalErrorLineAndAHintWithoutTheTrace() {
    CliRun run = CliRun.of(withBug(null), "buggy");

    assertThat(run.errLines()).containsExactly(BUG_LINE, HINT);
    assertThat(run.exitCode()).isEqualTo(1);
  }

  @Test
  void theStacktraceOptionPrintsTheTraceOfABug() {
    CliRun run = CliRun.of(withBug(null), "buggy", "--stacktrace");

    assertThat(run.errLines().get(0)).isEqualTo(BUG_LINE);
    assertThat(run.err())
        .doesNotContain(HINT)
        .contains(
            "java.lang.IllegalStateException: widget cache is empty\n\tat "
                + Buggy.class.getName()
                + ".run(");
    assertThat(run.exitCode()).isEqualTo(1);
  }

  @Test
  void theEnvironmentVariablePrintsTheTraceToo() {
    CliRun run = CliRun.of(withBug("1"), "buggy");

    assertThat(run.errLines().get(0)).isEqualTo(BUG_LINE);
    assertThat(run.err()).contains("\tat " + Buggy.class.getName() + ".run(");
    assertThat(CliRun.of(withBug("0"), "buggy").errLines()).containsExactly(BUG_LINE, HINT);
  }

  @Test
  void theStacktraceSwitchAlsoShowsWhereAUserErrorCameFrom() {
    Path missing = tmp.resolve("missing.yaml");
    CliRun run = CliRun.of("--stacktrace", "inject", "-f", missing.toString());

    assertThat(run.errLines().get(0))
        .isEqualTo("error: manifest " + missing + ": cannot read: no such file or directory");
    assertThat(run.err())
        .contains("Caused by: java.nio.file.NoSuchFileException: " + missing, "\tat ");
    assertThat(run.exitCode()).isEqualTo(1);
  }

  @Test
  void aUsageErrorIsOneLineAndWhereToFindTheUsageWithExitCode2() {
    CliRun run =
        CliRun.of(
            "ca",
            "issue",
            "--dir",
            tmp.toString(),
            "--spiffe",
            "spiffe://cluster.local/ns/a/sa/b",
            "--ttl",
            "soon",
            "--cert",
            "c.pem",
            "--key",
            "k.pem");

    assertThat(run.errLines())
        .containsExactly(
            "error: Invalid value for option '--ttl': 'soon' is not a duration: use a number and s, m, h or d (e.g. 1h, 90d)",
            "Run 'outrigger ca issue --help' for usage.");
    assertThat(run.exitCode()).isEqualTo(2);
  }

  @Test
  void aMistypedSubcommandGetsASuggestion() {
    CliRun run = CliRun.of("bootstrp");

    assertThat(run.errLines()).hasSize(3);
    assertThat(run.errLines().get(0)).isEqualTo("error: Unmatched argument at index 0: 'bootstrp'");
    assertThat(run.errLines().get(1)).startsWith("Did you mean: outrigger bootstrap");
    assertThat(run.errLines().get(2)).isEqualTo("Run 'outrigger --help' for usage.");
    assertThat(run.exitCode()).isEqualTo(2);
  }

  @Test
  void aCommandGroupWithoutItsSubcommandIsAUsageError() {
    for (String group : new String[] {"ca", "cni", "capture"}) {
      CliRun run = CliRun.of(group);
      assertThat(run.errLines().get(0)).as(group).startsWith("error: a subcommand is required: ");
      assertThat(run.exitCode()).as(group).isEqualTo(2);
    }
  }

  @Test
  void aRegistryThatCannotWorkIsAUsageError() {
    CliRun unknown =
        CliRun.of(
            "control-plane", "--registry", "k8s:default", "--ca-dir", tmp.resolve("ca").toString());
    // --registry repeats (registries merge), so picocli names the value it refused by its label
    assertThat(unknown.errLines().get(0))
        .isEqualTo(
            "error: Invalid value for option '--registry' (REGISTRY): "
                + "registry 'k8s:default': unknown kind; supported: file:DIR (a directory of Kubernetes and Istio YAML), "
                + "kube (the Kubernetes API, in-cluster), kube:KUBECONFIG (the Kubernetes API of a kubeconfig's current "
                + "context)");
    assertThat(unknown.exitCode()).isEqualTo(2);

    CliRun missing =
        CliRun.of(
            "bootstrap", "--workload", "shop/web-1", "--registry", "file:" + tmp.resolve("nope"));
    assertThat(missing.errLines().get(0))
        .isEqualTo(
            "error: Invalid value for option '--registry': "
                + "registry 'file:"
                + tmp.resolve("nope")
                + "': "
                + tmp.resolve("nope")
                + " does not exist");
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(tmp.resolve("ca")).doesNotExist();
  }

  @Test
  void aWorkloadCertificateTtlTooShortToRenewIsAUsageError() {
    CliRun run =
        CliRun.of(
            "control-plane",
            "--registry",
            "file:" + tmp,
            "--ca-dir",
            tmp.resolve("ca").toString(),
            "--workload-cert-ttl",
            "5s");

    assertThat(run.errLines())
        .containsExactly(
            "error: --workload-cert-ttl 5s: must be at least 15s, so the renewal push lands before expiry",
            "Run 'outrigger control-plane --help' for usage.");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(tmp.resolve("ca")).doesNotExist();
  }

  @Test
  void aPortOutOfRangeIsAUsageErrorCaughtBeforeAnythingStarts() {
    CliRun run =
        CliRun.of(
            "control-plane",
            "--registry",
            "file:" + tmp,
            "--ca-dir",
            tmp.resolve("ca").toString(),
            "--xds-tls-port",
            "70000");

    assertThat(run.errLines())
        .containsExactly(
            "error: --xds-tls-port 70000: must be 0..65535 (0 picks a free port)",
            "Run 'outrigger control-plane --help' for usage.");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(tmp.resolve("ca")).doesNotExist();
  }

  @Test
  void anAddressThatCannotBeBoundIsAUsageError() {
    // A bracketed non-IPv6 literal fails without a DNS query (tests send nothing off this host).
    CliRun webhook =
        CliRun.of(
            "webhook",
            "--address",
            "[not-an-address]",
            "--port",
            "0",
            "--tls-cert",
            tmp.resolve("cert.pem").toString(),
            "--tls-key",
            tmp.resolve("key.pem").toString());
    assertThat(webhook.errLines())
        .containsExactly(
            "error: --address '[not-an-address]': not an IP address or a name this host resolves",
            "Run 'outrigger webhook --help' for usage.");
    assertThat(webhook.exitCode()).isEqualTo(2);

    CliRun controlPlane =
        CliRun.of(
            "control-plane",
            "--registry",
            "file:" + tmp,
            "--ca-dir",
            tmp.resolve("ca").toString(),
            "--bind-address",
            "[not-an-address]");
    assertThat(controlPlane.errLines().get(0))
        .isEqualTo(
            "error: --bind-address '[not-an-address]': not an IP address or a name this host resolves");
    assertThat(controlPlane.exitCode()).isEqualTo(2);
    assertThat(tmp.resolve("ca")).doesNotExist();
  }
}
