package io.outrigger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class OutriggerTest {

  @Test
  void versionNamesTheBuiltVersion() {
    StringWriter out = new StringWriter();
    CommandLine cli = Outrigger.commandLine();
    cli.setOut(new PrintWriter(out));

    int exit = cli.execute("--version");

    assertThat(exit).isZero();
    assertThat(out.toString().trim()).matches("outrigger \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
  }

  @Test
  void everyComponentHasItsSubcommand() {
    assertThat(Outrigger.commandLine().getSubcommands().keySet())
        .contains(
            "ca", "control-plane", "bootstrap", "token", "inject", "webhook", "cni", "capture");
  }

  @Test
  void noSubcommandIsAUsageError() {
    StringWriter err = new StringWriter();
    CommandLine cli = Outrigger.commandLine();
    cli.setErr(new PrintWriter(err));

    int exit = cli.execute();

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("a subcommand is required");
  }
}
