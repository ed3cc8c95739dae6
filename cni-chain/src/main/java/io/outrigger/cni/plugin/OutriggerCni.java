package io.outrigger.cni.plugin;

import io.outrigger.cni.capture.CaptureApplier;
import io.outrigger.cni.capture.CaptureDecision;
import io.outrigger.cni.capture.NetnsTool;
import io.outrigger.cni.json.Json;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code outrigger-cni} executable (CNI spec 1.0.0, and 0.3.x/0.4.0): reads the {@code CNI_*}
 * environment and the network configuration on stdin, prints a result or an error object on stdout.
 * Loads only JDK classes and this package's own, for a fast cold start.
 */
public final class OutriggerCni {
  private OutriggerCni() {}

  public static void main(String[] args) {
    PrintStream out =
        new PrintStream(
            new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
    int code = run(System.getenv(), System.in, out);
    out.flush();
    System.err.flush();
    // halt, not exit: Runtime.exit looks up a System.Logger first (a ServiceLoader scan of the
    // class path), and the plugin has no shutdown hook to run; everything it wrote is flushed.
    Runtime.getRuntime().halt(code);
  }

  /** One plugin call on a configuration already read; returns the process exit code. */
  public static int run(Map<String, String> env, String stdin, PrintStream out) {
    return run(env, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), out);
  }

  /**
   * One plugin call, reading the configuration from {@code stdin} (at most {@link
   * PluginConfig#MAX_STDIN_BYTES}).
   */
  public static int run(Map<String, String> env, InputStream stdin, PrintStream out) {
    long start = System.nanoTime();
    CniRequest req = CniRequest.fromEnvironment(env);
    String version = CniVersions.LATEST;
    CallLog callLog = null;
    String decision = "-";
    try {
      if (req.command().equals("VERSION")) {
        out.println(Json.write(versionResult()));
        return 0;
      }
      if (!java.util.Set.of("ADD", "DEL", "CHECK").contains(req.command())) {
        throw new CniError(
            CniError.INVALID_ENV,
            "unknown CNI_COMMAND '" + req.command() + "'",
            "outrigger-cni supports ADD, DEL, CHECK and VERSION");
      }
      PluginConfig conf = PluginConfig.parse(PluginConfig.read(stdin));
      version = conf.cniVersion();
      callLog = conf.logFile() == null ? null : new CallLog(new File(conf.logFile()));
      CniCommands commands =
          new CniCommands(new CaptureApplier(NetnsTool.best(Duration.ofSeconds(20))));
      switch (req.command()) {
        case "ADD" -> {
          WhileToolRuns tail = new WhileToolRuns(conf.prevResult().orElse(null), version, callLog);
          CaptureDecision added = commands.add(req, conf, tail);
          decision = added.summary();
          PodRecords records = conf.podRecords() == null ? null : PodRecords.in(conf.podRecords());
          if (added instanceof CaptureDecision.Capture && records != null) {
            records.written(req, PluginVersion.current());
          }
          out.println(tail.result());
        }
        case "DEL" -> {
          decision = commands.del(req, conf, new WhileToolRuns(null, version, callLog));
          PodRecords records = conf.podRecords() == null ? null : PodRecords.in(conf.podRecords());
          if (records != null) {
            records.removed(req);
          }
        }
        default -> decision = commands.check(req, conf).summary();
      }
      log(callLog, req, decision, start, "ok");
      return 0;
    } catch (CniError e) {
      out.println(Json.write(e.toJson(version)));
      log(callLog, req, decision, start, "error code=" + e.code() + " " + e.getMessage());
      return 1;
    } catch (RuntimeException e) {
      CniError err =
          new CniError(CniError.IO_FAILURE, "outrigger-cni failed: " + e, "pod " + req.pod());
      out.println(Json.write(err.toJson(version)));
      log(callLog, req, decision, start, "error code=" + err.code() + " " + e);
      return 1;
    }
  }

  /**
   * The part of an ADD or DEL that does not depend on how its tool ends, done while the tool runs
   * ({@link io.outrigger.cni.capture.NetnsTool#start}, on the other core): ADD's result rendered,
   * the plugin's version read, the log file opened. The result is printed, and the log line
   * written, only once the tool has ended; a failure here is thrown then, by {@link #result()}, so
   * a failed tool is still what the error reports. Without a tool run it happens on first use.
   */
  private static final class WhileToolRuns implements Runnable {
    private final Map<String, Object> prevResult;
    private final String cniVersion;
    private final CallLog callLog;
    private boolean done;
    private String result;
    private RuntimeException failure;

    WhileToolRuns(Map<String, Object> prevResult, String cniVersion, CallLog callLog) {
      this.prevResult = prevResult;
      this.cniVersion = cniVersion;
      this.callLog = callLog;
    }

    @Override
    public void run() {
      if (done) {
        return;
      }
      done = true;
      PluginVersion.current();
      if (callLog != null) {
        callLog.open();
      }
      if (prevResult != null) {
        try {
          result = Json.write(ResultConverter.convert(prevResult, cniVersion));
        } catch (RuntimeException e) {
          failure = e;
        }
      }
    }

    /** ADD's output: prevResult in the configuration's cniVersion. */
    String result() {
      run();
      if (failure != null) {
        throw failure;
      }
      return result;
    }
  }

  private static Map<String, Object> versionResult() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cniVersion", CniVersions.LATEST);
    m.put("supportedVersions", CniVersions.SUPPORTED);
    return m;
  }

  private static void log(
      CallLog callLog, CniRequest req, String decision, long start, String outcome) {
    if (callLog == null) {
      return;
    }
    long micros = (System.nanoTime() - start) / 1000;
    callLog.write(
        new CallLog.Entry(
            req.command(),
            req.containerId(),
            req.pod(),
            decision,
            micros,
            outcome,
            PluginVersion.current()));
  }
}
