package io.outrigger.hostmode.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.outrigger.hostmode.manifest.ManifestReader;
import io.outrigger.hostmode.supervisor.MeshPaths;
import io.outrigger.hostmode.supervisor.Supervisor;
import io.outrigger.hostnet.RepoRoot;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code outrigger demo}: the bookinfo sample in host mode with sidecars, the 90/10 canary with jason on v3
 * and STRICT mTLS, a bounded load generator in a meshed pod; in the foreground until Ctrl-C or SIGTERM,
 * which remove everything it created. State a killed demo left is removed first.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the bookinfo sample in host mode (root): sidecars, canary routing, mTLS, live traffic."
                + " Ctrl-C removes everything.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--name", defaultValue = "default", description = "Mesh name (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--samples", description = "The samples directory (default: samples/ of this checkout).")
    Path samples;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path dir = samples != null ? samples : RepoRoot.find().map(r -> r.resolve("samples")).orElseThrow(() ->
                new IllegalArgumentException("samples/ not found: run from the checkout or pass --samples DIR"));
        List<String> errors = new ArrayList<>();
        List<ManifestReader.Source> sources = MeshControl.sources(
                List.of(dir.resolve("bookinfo"), dir.resolve("demo")), errors);
        errors.addAll(MeshControl.validate(sources));
        if (!errors.isEmpty()) {
            errors.forEach(e -> err.println("error: " + e));
            err.flush();
            return 1;
        }
        MeshPaths paths = MeshPaths.of(name);
        Instant started = Instant.now();
        out.println("Starting the bookinfo demo in host mode (mesh '" + name + "', state " + paths.dir() + ") ...");
        out.flush();
        MeshDaemon daemon = MeshDaemon.start(paths);
        Supervisor mesh = daemon.supervisor();
        Supervisor.Outcome applied = mesh.apply(sources);
        if (!applied.ok()) {
            applied.errors().forEach(e -> err.println("error: " + e));
            err.flush();
            daemon.close();
            return 1;
        }
        JsonNode status = awaitReady(mesh, MeshCommand.READY_TIMEOUT);
        if (status == null) {
            err.println("error: the demo did not become ready within " + MeshCommand.READY_TIMEOUT + "; see "
                    + paths.dir() + "/pods/*/logs");
            err.flush();
            daemon.close();
            return 1;
        }
        printIntro(status, Duration.between(started, Instant.now()), out);
        Thread traffic = Thread.ofVirtual().start(() -> reportTraffic(paths, out));
        daemon.awaitDown();
        traffic.interrupt();
        return 0;
    }

    private static JsonNode awaitReady(Supervisor mesh, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            JsonNode status = mesh.status();
            if (MeshControl.allReady(status)) {
                return status;
            }
            Thread.sleep(300);
        }
        return null;
    }

    private void printIntro(JsonNode status, Duration took, PrintWriter out) {
        String flag = name.equals("default") ? "" : " --name " + name;
        out.println();
        StatusTable.print(status, out);
        out.println();
        out.println("Ready in " + took.toSeconds() + " s: " + status.path("pods").size()
                + " pods with Envoy sidecars; reviews split 90/10 between v1 and v2, end-user jason -> v3; STRICT mTLS.");
        out.println("Mesh view:  " + status.path("controlPlane").path("monitoring").asText() + "/ui");
        out.println();
        out.println("Try:");
        out.println("  ./outrigger mesh exec" + flag + " bookinfo/client-0 -- python3 /app/bookinfo.py get"
                + " http://productpage:9080/ --count 20 --header end-user:jason");
        out.println("  ./outrigger proxy-status" + flag);
        out.println("  ./outrigger mesh status" + flag);
        out.println();
        out.println("Traffic from bookinfo/loadgen (a meshed pod) every 10 s; Ctrl-C stops the demo and removes everything.");
        out.flush();
    }

    /** Prints each round the load generator logs: requests, errors, versions seen, callers' identities. */
    private static void reportTraffic(MeshPaths paths, PrintWriter out) {
        Path log = paths.pod("bookinfo", "loadgen").resolve("logs").resolve("app.log");
        long offset = 0;
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(1000);
                if (!Files.exists(log) || Files.size(log) <= offset) {
                    continue;
                }
                String text = Files.readString(log);
                String fresh = text.substring((int) Math.min(offset, text.length()));
                offset = text.length();
                for (String line : fresh.lines().toList()) {
                    summary(line).ifPresent(s -> {
                        out.println(s);
                        out.flush();
                    });
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                // The pod may be restarting; try again next second.
            }
        }
    }

    private static java.util.Optional<String> summary(String line) {
        try {
            JsonNode round = MeshControl.JSON.readTree(line);
            if (!round.has("requests")) {
                return java.util.Optional.empty();
            }
            Map<String, Integer> reviews = new TreeMap<>();
            round.path("versions").properties().forEach(e -> {
                if (e.getKey().startsWith("reviews:")) {
                    reviews.put(e.getKey().substring("reviews:".length()), e.getValue().asInt());
                }
            });
            int total = reviews.values().stream().mapToInt(Integer::intValue).sum();
            StringBuilder split = new StringBuilder();
            reviews.forEach((v, n) -> split.append(' ').append(v).append('=')
                    .append(total == 0 ? 0 : Math.round(100.0 * n / total)).append('%'));
            return java.util.Optional.of("traffic: " + round.path("requests").asInt() + " requests, "
                    + round.path("errors").asInt() + " errors; reviews" + split + "; mTLS peers of productpage: "
                    + round.path("peers").path("productpage"));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }
}
