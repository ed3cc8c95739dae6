package io.outrigger.injector.bench;

import io.outrigger.injector.cli.WebhookCommand;
import picocli.CommandLine;

/**
 * The server side of the load harness in its own JVM: exactly {@code outrigger webhook ARGS} (the
 * same command class the CLI jar runs), so the load generator's threads and garbage do not count
 * against the server's latency.
 */
public final class ServeWebhook {

  private ServeWebhook() {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new WebhookCommand()).execute(args));
  }
}
