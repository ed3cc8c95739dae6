package io.outrigger.controlplane.meshtarget;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Runs a tool with a time limit and a cap on what it may print (an admin answer is read whole). */
final class BoundedCommand {
  record Result(int exitCode, String stdout, String stderr) {}

  private BoundedCommand() {}

  /**
   * @param who the object the command is about, for error messages ("sidecar of ns/pod")
   */
  static Result run(List<String> command, Duration timeout, int maxBytes, String who) {
    Process p;
    try {
      p =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(who + ": cannot run " + command.getFirst(), e);
    }
    try {
      CompletableFuture<String> err =
          CompletableFuture.supplyAsync(() -> read(p.getErrorStream(), 64 * 1024, who));
      String out = read(p.getInputStream(), maxBytes, who);
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IllegalArgumentException(
            who
                + ": "
                + command.getFirst()
                + " did not finish within "
                + timeout.toSeconds()
                + " s");
      }
      return new Result(p.exitValue(), out, err.get());
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException(who + ": interrupted", e);
    } catch (ExecutionException e) {
      throw new UncheckedIOException(
          who + ": cannot read the output of " + command.getFirst(), new IOException(e.getCause()));
    } finally {
      p.destroyForcibly();
    }
  }

  private static String read(InputStream in, int maxBytes, String who) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[64 * 1024];
    try (in) {
      int n;
      while ((n = in.read(buf)) > 0) {
        if (out.size() + n > maxBytes) {
          throw new IllegalArgumentException(who + ": answer larger than " + maxBytes + " bytes");
        }
        out.write(buf, 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(who + ": cannot read the answer", e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
