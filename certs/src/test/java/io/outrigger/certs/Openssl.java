package io.outrigger.certs;

import io.outrigger.hostnet.ExecResult;
import io.outrigger.testsupport.Prerequisites;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The openssl command line, a validator and CSR maker nobody on this project wrote. A JUnit
 * extension ({@code @RegisterExtension static final Openssl openssl = new Openssl();}): it checks
 * that openssl is installed and works in a temporary directory of its own, deleted after the class.
 */
public final class Openssl implements BeforeAllCallback, AfterAllCallback {

  private Path dir;

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    Prerequisites.requireCommand("openssl");
    dir = Files.createTempDirectory("outrigger-certs-openssl");
  }

  public Path dir() {
    return dir;
  }

  public Path write(String name, String content) {
    try {
      return Files.writeString(dir.resolve(name), content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String read(String name) {
    try {
      return Files.readString(dir.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public byte[] readBytes(String name) {
    try {
      return Files.readAllBytes(dir.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs openssl and returns its stdout; fails the test with its stderr when it exits non-zero. */
  public String run(String... args) {
    ExecResult result = exec(args);
    if (result.exitCode() != 0) {
      throw new AssertionError(
          "openssl "
              + String.join(" ", args)
              + " exited "
              + result.exitCode()
              + ":\n"
              + result.stdout()
              + result.stderr());
    }
    return result.stdout();
  }

  /** Runs openssl (30 s at most) in this directory. */
  public ExecResult exec(String... args) {
    List<String> command = new ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).directory(dir.toFile()).start();
      process.getOutputStream().close();
      CompletableFuture<String> out =
          CompletableFuture.supplyAsync(() -> drain(process.getInputStream()));
      CompletableFuture<String> err =
          CompletableFuture.supplyAsync(() -> drain(process.getErrorStream()));
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("openssl " + String.join(" ", args) + " did not finish in 30 s");
      }
      return new ExecResult(process.exitValue(), out.join(), err.join());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted running openssl", e);
    }
  }

  /**
   * {@code openssl verify -x509_strict}: the leaf against the roots, with intermediates untrusted.
   */
  public ExecResult verify(String rootsPem, List<String> intermediatesPem, String leafPem) {
    write("verify-roots.pem", rootsPem);
    write("verify-leaf.pem", leafPem);
    List<String> args =
        new ArrayList<>(
            List.of(
                "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", "verify-roots.pem"));
    if (!intermediatesPem.isEmpty()) {
      write("verify-chain.pem", String.join("", intermediatesPem));
      args.addAll(List.of("-untrusted", "verify-chain.pem"));
    }
    args.add("verify-leaf.pem");
    return exec(args.toArray(String[]::new));
  }

  /** {@code openssl x509 -text} of one PEM certificate. */
  public String text(String certPem) {
    write("text.pem", certPem);
    return run("x509", "-noout", "-text", "-in", "text.pem");
  }

  private static String drain(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
