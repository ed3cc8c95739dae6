package io.outrigger.controlplane.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.controlplane.analyze.Analyzer;
import io.outrigger.controlplane.analyze.Finding;
import io.outrigger.controlplane.analyze.FindingCode;
import io.outrigger.controlplane.inspect.OutputFormat;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code outrigger analyze -f PATH...}: offline validation of Istio YAML with the services it
 * refers to.
 */
@Command(
    name = "analyze",
    mixinStandardHelpOptions = true,
    description = {
      "Checks Kubernetes and Istio YAML offline, with the control plane's own converters: one line per "
          + "finding (severity, code, object, reason). Exit code 1 when any finding is an Error."
    })
public final class AnalyzeCommand implements Callable<Integer> {
  @Option(
      names = {"-f", "--filename"},
      paramLabel = "PATH",
      required = true,
      arity = "1..*",
      description = "YAML files or directories (read recursively), several allowed.")
  List<Path> paths;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      converter = OutputFormat.Converter.class,
      defaultValue = "short",
      description = "short (one line per finding), json or yaml.")
  OutputFormat output;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Analyzer.Report report = Analyzer.analyze(paths);
    PrintWriter out = spec.commandLine().getOut();
    if (output == OutputFormat.SHORT) {
      report.findings().forEach(f -> out.println(f.line()));
      if (report.findings().isEmpty()) {
        out.println(
            "No validation issues found in "
                + report.objects()
                + " objects of "
                + report.files()
                + " files.");
      }
    } else {
      out.print(output.print(json(report)));
    }
    out.flush();
    return report.hasErrors() ? 1 : 0;
  }

  private static ObjectNode json(Analyzer.Report report) {
    ObjectNode root = new ObjectMapper().createObjectNode();
    root.put("files", report.files());
    root.put("objects", report.objects());
    for (FindingCode.Severity s : FindingCode.Severity.values()) {
      root.put(
          s.name().toLowerCase(Locale.ROOT) + "s",
          report.findings().stream().filter(f -> f.code().severity() == s).count());
    }
    ArrayNode list = root.putArray("findings");
    for (Finding f : report.findings()) {
      ObjectNode n = list.addObject();
      n.put("code", f.code().code());
      n.put("severity", f.code().severity().label());
      n.put("kind", f.kind());
      n.put("namespace", f.namespace());
      n.put("name", f.name());
      n.put("message", f.message());
      n.put("source", f.source());
    }
    return root;
  }
}
