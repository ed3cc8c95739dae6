package io.outrigger.injector.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outrigger.sidecar.bootstrap.SidecarBootstrap;
import io.outrigger.injector.inject.InjectionRequest;
import io.outrigger.injector.inject.InjectionResult;
import io.outrigger.injector.inject.InjectorConfig;
import io.outrigger.injector.inject.SidecarInjector;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Base64;

/**
 * The injection work alone, on one thread, without HTTP or TLS: parse the review, inject, write
 * the patch as the webhook answers it. Says how much of a request's cost is the injector's own.
 */
final class InProcess {

  private static final int MAX_CALLS = 200_000;

  private InProcess() {}

  static String measure(byte[] review, Duration limit) throws Exception {
    ObjectMapper json = new ObjectMapper();
    SidecarInjector injector = new SidecarInjector(InjectorConfig.defaults(), new SidecarBootstrap());
    long sink = 0;
    for (int i = 0; i < 5_000; i++) {
      sink += once(json, injector, review);
    }
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
    long deadline = System.nanoTime() + limit.toNanos();
    long start = System.nanoTime();
    int calls = 0;
    while (calls < MAX_CALLS && System.nanoTime() < deadline) {
      sink += once(json, injector, review);
      calls++;
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    double allocated = (threads.getCurrentThreadAllocatedBytes() - allocatedBefore) / (double) calls;
    return String.format("in-process, 1 thread: %d injections in %.1f s = %.0f/s, %.1f us and %.0f KiB"
        + " allocated each (checksum %d)",
        calls, seconds, calls / seconds, seconds * 1e6 / calls, allocated / 1024, sink % 10);
  }

  private static long once(ObjectMapper json, SidecarInjector injector, byte[] review) throws Exception {
    JsonNode request = json.readTree(review).path("request");
    InjectionResult result = injector.inject(
        InjectionRequest.forAdmission(request.path("object"), request.path("namespace").asText()));
    return Base64.getEncoder().encodeToString(json.writeValueAsBytes(result.patch())).length();
  }
}
