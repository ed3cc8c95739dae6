package io.outrigger.testsupport;

import io.outrigger.hostnet.Commands;
import io.outrigger.hostnet.NetnsCommand;
import io.outrigger.hostnet.ProxyUserFiles;
import io.outrigger.hostnet.TempFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Envoy, started from the real binary with its own work directory (bootstrap, log,
 * admin address file). Hot restart is disabled because many Envoys share this host. {@link
 * #close()} stops it and waits.
 */
public final class EnvoyProcess implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EnvoyProcess.class);

  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final String TEMP_DIR_PREFIX = "outrigger-envoy-";
  private static final String TEMP_DIR_PATTERN =
      Path.of(System.getProperty("java.io.tmpdir"), TEMP_DIR_PREFIX).toString();

  private final EnvoyOptions options;
  private final Process process;
  private final Path workDir;
  private final Path logFile;
  private volatile EnvoyAdmin admin;
  private volatile String finalLog;

  private EnvoyProcess(EnvoyOptions options, Process process, Path workDir, Path logFile) {
    this.options = options;
    this.process = process;
    this.workDir = workDir;
    this.logFile = logFile;
  }

  /** Kills Envoys a killed test JVM left behind: ours name a work directory of our naming. */
  static void killOrphans() {
    Commands.orphans("--admin-address-path " + TEMP_DIR_PATTERN)
        .forEach(
            orphan -> {
              LOG.warn("event=orphan_envoy_killed pid={}", orphan.pid());
              orphan.destroyForcibly();
            });
  }

  /** Starts Envoy and waits until its admin API answers; on failure throws with Envoy's log. */
  static EnvoyProcess start(EnvoyOptions options, Path envoyBinary) {
    Path workDir = ProxyUserFiles.worldReadableTempDir(TEMP_DIR_PREFIX);
    Path binary =
        options.runAsProxyUser() ? ProxyUserFiles.executableByProxyUser(envoyBinary) : envoyBinary;
    Path bootstrap =
        ProxyUserFiles.writeReadable(workDir.resolve("bootstrap.yaml"), options.bootstrapYaml());
    if (options.runAsProxyUser()) {
      ProxyUserFiles.chownToProxyUser(workDir);
    }
    Path adminAddress = workDir.resolve("admin-address");
    Path logFile = workDir.resolve("envoy.log");
    List<String> command =
        new ArrayList<>(
            List.of(
                binary.toString(),
                "-c",
                bootstrap.toString(),
                "--disable-hot-restart",
                "--admin-address-path",
                adminAddress.toString(),
                "-l",
                options.logLevel()));
    if (!options.extraArgs().contains("--concurrency")) {
      // Two cores are shared by every test on this machine; one worker thread per Envoy is plenty.
      command.addAll(List.of("--concurrency", "1"));
    }
    command.addAll(options.extraArgs());
    String netns = options.pod() == null ? null : options.pod().netnsName();
    ProcessBuilder builder =
        new ProcessBuilder(NetnsCommand.wrap(netns, options.runAsProxyUser(), command))
            .redirectErrorStream(true)
            .redirectOutput(logFile.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      TempFiles.deleteRecursively(workDir);
      throw new UncheckedIOException(
          "Envoy " + binary + " (" + options.where() + "): cannot start", e);
    }
    EnvoyProcess envoy = new EnvoyProcess(options, process, workDir, logFile);
    try {
      envoy.awaitAdmin(adminAddress);
      LOG.info(
          "event=envoy_started pid={} where=\"{}\" admin={}",
          process.pid(),
          options.where(),
          envoy.admin.uri());
    } catch (RuntimeException | AssertionError e) {
      envoy.close();
      throw e;
    }
    return envoy;
  }

  public EnvoyAdmin admin() {
    return admin;
  }

  /** Everything Envoy logged so far (also after close). */
  public String log() {
    if (finalLog != null) {
      return finalLog;
    }
    try {
      return Files.readString(logFile);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  public EnvoyOptions options() {
    return options;
  }

  /** Stops Envoy (SIGTERM, then SIGKILL), waits for it to exit and removes its work directory. */
  @Override
  public synchronized void close() {
    if (finalLog != null) {
      return;
    }
    Commands.kill(process);
    LOG.info("event=envoy_stopped pid={} exit_code={}", process.pid(), process.exitValue());
    finalLog = log();
    TempFiles.deleteRecursively(workDir);
  }

  @Override
  public String toString() {
    return "Envoy pid " + process.pid() + " (" + options.where() + ")";
  }

  private void awaitAdmin(Path adminAddress) {
    Instant deadline = Instant.now().plus(START_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new AssertionError(
            this
                + " exited with code "
                + process.exitValue()
                + " before its admin API answered; log:\n"
                + log());
      }
      String address = readAddress(adminAddress);
      if (!address.isEmpty()) {
        EnvoyAdmin candidate = new EnvoyAdmin(URI.create("http://" + address), options.pod());
        if (candidate.answers()) {
          admin = candidate;
          return;
        }
      }
      EnvoyAdmin.sleep(Duration.ofMillis(50));
    }
    throw new AssertionError(
        this + ": admin API did not answer within " + START_TIMEOUT + "; log:\n" + log());
  }

  private static String readAddress(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file).strip() : "";
    } catch (IOException e) {
      return "";
    }
  }
}
