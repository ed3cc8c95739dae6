package io.outrigger.istiocompat;

import io.outrigger.hostnet.ExecResult;
import io.outrigger.testsupport.NetnsPod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTTP from inside a pod with curl, as the pod's app would send it: to a service name resolved to
 * its VIP (curl's {@code --resolve} plays the cluster DNS), so the sidecar's outbound capture
 * carries it.
 */
final class PodHttp {
  /** Ends each reply when one curl run sends many requests over a kept-alive connection. */
  private static final String TRAILER = "\n--outrigger-reply-%{http_code}--\n";

  private static final Pattern REPLY = Pattern.compile("(?s)(.*?)\n--outrigger-reply-(\\d{3})--\n");
  static final int MAX_BATCH = 100;

  private static final Pattern ECHO_NAME = Pattern.compile("\"name\"\\s*:\\s*\"([^\"]+)\"");

  private PodHttp() {}

  /**
   * {@code count} HTTP requests to {@code ip}:{@code port}, each on its own TCP connection (for TCP
   * routes, which choose per connection); by the name of the echo app that answered. 60 s limit.
   */
  static Map<String, Integer> echoNamesPerConnection(
      NetnsPod from, String ip, int port, int count) {
    ExecResult r =
        from.exec(
            List.of(
                "sh",
                "-c",
                "for i in $(seq "
                    + count
                    + "); do curl -s --max-time 5 http://"
                    + ip
                    + ":"
                    + port
                    + "/; echo; done"),
            false,
            Duration.ofSeconds(60));
    Map<String, Integer> served = new TreeMap<>();
    Matcher m = ECHO_NAME.matcher(r.stdout());
    while (m.find()) {
      served.merge(m.group(1), 1, Integer::sum);
    }
    return served;
  }

  /** One request; the ExecResult carries curl's exit code (0 = an HTTP answer arrived). */
  static ExecResult get(
      NetnsPod from, ServiceAddress to, String path, Map<String, String> headers) {
    return from.exec(command(to, path, headers, 1, 5).toArray(String[]::new));
  }

  /** One request that must succeed; its echo reply. */
  static EchoReply echo(
      NetnsPod from, ServiceAddress to, String path, Map<String, String> headers) {
    ExecResult r = get(from, to, path, headers);
    if (r.exitCode() != 0) {
      throw new AssertionError(
          "pod "
              + from.name()
              + " → "
              + to
              + path
              + ": curl exited "
              + r.exitCode()
              + ": "
              + r.stderr()
              + r.stdout());
    }
    Matcher m = REPLY.matcher(r.stdout());
    if (!m.find() || !m.group(2).equals("200")) {
      throw new AssertionError(
          "pod " + from.name() + " → " + to + path + ": no 200 reply in '" + r.stdout() + "'");
    }
    return EchoReply.parse(m.group(1));
  }

  /**
   * {@code count} requests in one curl run (at most {@link #MAX_BATCH}), whatever their answers; 30
   * s limit.
   */
  static ExecResult getMany(
      NetnsPod from, ServiceAddress to, Map<String, String> headers, int count) {
    if (count > MAX_BATCH) {
      throw new IllegalArgumentException(
          "at most " + MAX_BATCH + " requests per curl run, not " + count);
    }
    return from.exec(command(to, "/", headers, count, 30).toArray(String[]::new));
  }

  /**
   * {@code count} requests in batches of at most {@link #MAX_BATCH} per curl run; every one must
   * get a 200 answer. Bounded: each batch has a 30 s limit.
   */
  static List<EchoReply> echoMany(
      NetnsPod from, ServiceAddress to, Map<String, String> headers, int count) {
    List<EchoReply> replies = new ArrayList<>();
    while (replies.size() < count) {
      int batch = Math.min(MAX_BATCH, count - replies.size());
      ExecResult r = from.exec(command(to, "/", headers, batch, 30).toArray(String[]::new));
      Matcher m = REPLY.matcher(r.stdout());
      int answered = 0;
      while (m.find()) {
        if (!m.group(2).equals("200")) {
          throw new AssertionError(
              "pod "
                  + from.name()
                  + " → "
                  + to
                  + ": HTTP "
                  + m.group(2)
                  + " after "
                  + replies.size()
                  + " replies: "
                  + m.group(1)
                  + " "
                  + r.stderr());
        }
        replies.add(EchoReply.parse(m.group(1)));
        answered++;
      }
      if (answered != batch) {
        throw new AssertionError(
            "pod "
                + from.name()
                + " → "
                + to
                + ": "
                + answered
                + " of "
                + batch
                + " requests answered (curl exit "
                + r.exitCode()
                + "): "
                + r.stderr());
      }
    }
    return replies;
  }

  /** An answer's status code and curl's total time for it; status 0 when no HTTP answer arrived. */
  record Outcome(int status, Duration time) {}

  private static final Pattern OUTCOME = Pattern.compile("--outcome (\\d{3}) ([0-9.]+)--");

  /**
   * {@code count} requests whose status and duration matter more than their body (answers that are
   * not 200 are expected), in batches of at most {@link #MAX_BATCH}, {@code parallel} at a time (1:
   * one after another over a kept-alive connection). Bounded: each batch has a 30 s limit.
   */
  static List<Outcome> outcomes(
      NetnsPod from,
      ServiceAddress to,
      String path,
      Map<String, String> headers,
      int count,
      int parallel) {
    List<Outcome> outcomes = new ArrayList<>();
    while (outcomes.size() < count) {
      int batch = Math.min(MAX_BATCH, count - outcomes.size());
      List<String> c =
          new ArrayList<>(
              List.of(
                  "curl",
                  "-sS",
                  "--max-time",
                  "30",
                  "-o",
                  "/dev/null",
                  "--resolve",
                  to.host() + ":" + to.port() + ":" + to.ip(),
                  "-w",
                  "--outcome %{http_code} %{time_total}--\n"));
      if (parallel > 1) {
        c.addAll(
            List.of(
                "--parallel",
                "--parallel-immediate",
                "--parallel-max",
                Integer.toString(parallel)));
      }
      headers.forEach((k, v) -> c.addAll(List.of("-H", k + ": " + v)));
      for (int i = 0; i < batch; i++) {
        c.add("http://" + to.host() + ":" + to.port() + path);
      }
      ExecResult r = from.exec(c.toArray(String[]::new));
      Matcher m = OUTCOME.matcher(r.stdout());
      int answered = 0;
      while (m.find()) {
        outcomes.add(
            new Outcome(
                Integer.parseInt(m.group(1)),
                Duration.ofNanos((long) (Double.parseDouble(m.group(2)) * 1e9))));
        answered++;
      }
      if (answered != batch) {
        throw new AssertionError(
            "pod "
                + from.name()
                + " → "
                + to
                + path
                + ": "
                + answered
                + " of "
                + batch
                + " requests reported (curl exit "
                + r.exitCode()
                + "): "
                + r.stderr());
      }
    }
    return outcomes;
  }

  /** One request's status line and headers (curl -i), lower-cased header names, and its body. */
  static ExecResult headersAndBody(
      NetnsPod from, String method, ServiceAddress to, String path, Map<String, String> headers) {
    List<String> c =
        new ArrayList<>(
            List.of(
                "curl",
                "-sS",
                "-i",
                "-X",
                method,
                "--max-time",
                "5",
                "--resolve",
                to.host() + ":" + to.port() + ":" + to.ip()));
    headers.forEach((k, v) -> c.addAll(List.of("-H", k + ": " + v)));
    c.add("http://" + to.host() + ":" + to.port() + path);
    return from.exec(c.toArray(String[]::new));
  }

  /** A response split at the blank line: status line and headers (names lower-cased), the body. */
  record Exchange(String head, String body) {}

  /** One request that must get an HTTP answer, as {@link Exchange}. */
  static Exchange exchange(
      NetnsPod from, String method, ServiceAddress to, String path, Map<String, String> headers) {
    ExecResult r = headersAndBody(from, method, to, path, headers);
    if (r.exitCode() != 0) {
      throw new AssertionError(
          "pod "
              + from.name()
              + " → "
              + to
              + path
              + ": curl exited "
              + r.exitCode()
              + ": "
              + r.stderr());
    }
    String text = r.stdout().replace("\r\n", "\n");
    int split = text.indexOf("\n\n");
    String head = split < 0 ? text : text.substring(0, split);
    String lowered =
        head.lines()
            .map(
                l -> {
                  int colon = l.indexOf(':');
                  return colon < 0
                      ? l
                      : l.substring(0, colon).toLowerCase(java.util.Locale.ROOT)
                          + l.substring(colon);
                })
            .reduce((a, b) -> a + "\n" + b)
            .orElse("");
    return new Exchange(lowered, split < 0 ? "" : text.substring(split + 2));
  }

  private static List<String> command(
      ServiceAddress to, String path, Map<String, String> headers, int times, int maxSeconds) {
    List<String> c =
        new ArrayList<>(
            List.of(
                "curl",
                "-sS",
                "--max-time",
                Integer.toString(maxSeconds),
                "--resolve",
                to.host() + ":" + to.port() + ":" + to.ip(),
                "-w",
                TRAILER));
    headers.forEach((k, v) -> c.addAll(List.of("-H", k + ": " + v)));
    String url = "http://" + to.host() + ":" + to.port() + path;
    for (int i = 0; i < times; i++) {
      c.add(url);
    }
    return c;
  }
}
