package io.outrigger.hostmode.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.certs.WorkloadIdentity;
import io.outrigger.controlplane.server.ControlPlane;
import io.outrigger.controlplane.server.ControlPlaneSettings;
import io.outrigger.hostmode.manifest.KubeObject;
import io.outrigger.hostmode.manifest.ManifestReader;
import io.outrigger.hostmode.manifest.MeshPlanner;
import io.outrigger.hostmode.manifest.MeshSpec;
import io.outrigger.hostmode.manifest.PodPlan;
import io.outrigger.hostmode.pod.MeshNetwork;
import io.outrigger.hostmode.pod.PodHost;
import io.outrigger.hostmode.pod.PodRuntime;
import io.outrigger.hostnet.BridgeNetworks;
import io.outrigger.hostnet.CidrBlock;
import io.outrigger.hostnet.CniChain;
import io.outrigger.hostnet.Commands;
import io.outrigger.hostnet.HostTools;
import io.outrigger.hostnet.PodSandbox;
import io.outrigger.hostnet.ProxyUserFiles;
import io.outrigger.hostnet.SubnetLeases;
import io.outrigger.hostnet.TempFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One host-mode mesh, held by one process: a leased /24 and its bridge, the control plane (TLS xDS
 * on the bridge gateway, monitoring on loopback) fed through its file registry with Services, Istio
 * config and the realized Pods, and the pods themselves. Changes are validated as a whole first and
 * applied only when valid. {@code mesh.json} is rewritten on every change.
 */
public final class Supervisor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);

  /** Meshes lease inside 198.18.0.0/16: 198.19.0.0/16 holds the service VIPs. */
  private static final CidrBlock MESH_SUBNETS = CidrBlock.parse("198.18.0.0/16");

  private static final int START_PARALLELISM = 8;

  private final MeshPaths paths;
  private final int lease;
  private final CidrBlock subnet;
  private final ControlPlane controlPlane;
  private final RegistryWriter registry;
  private final MeshPlanner planner;
  private final CniChain chain;
  private final CniChain loopback;
  private final Path envoy;
  private final ServiceVips vips = new ServiceVips();
  private final MeshStatus status;
  private final Map<String, RunningPod> pods = new ConcurrentHashMap<>();
  private final AtomicInteger netnsSequence = new AtomicInteger();
  private final ScheduledExecutorService readiness =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("mesh-readiness").unstarted(r));
  private final Object changes = new Object();
  private volatile MeshSpec spec = MeshSpec.empty();
  private volatile Map<String, String> serviceVips = Map.of();
  private final Map<KubeObject.Key, ObjectNode> inRegistry = new HashMap<>();
  private boolean closed;

  private Supervisor(
      MeshPaths paths, int lease, ControlPlane controlPlane, Path envoy, List<Path> pluginDirs) {
    this.paths = paths;
    this.lease = lease;
    this.subnet = SubnetLeases.subnet(lease);
    this.controlPlane = controlPlane;
    this.registry = new RegistryWriter(paths.registry());
    this.envoy = envoy;
    this.chain =
        MeshNetwork.chain(
            paths.name(), lease, subnet, paths.dir().resolve("outrigger-cni.log"), pluginDirs);
    this.loopback = PodSandbox.loopbackChain(pluginDirs);
    this.planner =
        new MeshPlanner(
            Injection.injector(
                gateway() + ":" + controlPlane.xdsTlsPort(), controlPlane.serverName()));
    this.status = new MeshStatus(paths, this);
  }

  /** Leases a network, makes its bridge, starts the control plane; the mesh has no objects yet. */
  public static Supervisor start(MeshPaths paths) {
    Path envoy =
        ProxyUserFiles.executableByProxyUser(
            HostTools.envoy()
                .orElseThrow(
                    () ->
                        new IllegalStateException(
                            "Envoy not found: set ENVOY_BIN or run scripts/bootstrap.sh")));
    List<Path> pluginDirs = MeshNetwork.pluginDirs();
    for (String plugin : List.of("loopback", "bridge", "host-local")) {
      HostTools.cniPlugin(plugin)
          .orElseThrow(
              () ->
                  new IllegalStateException(
                      "CNI plugin "
                          + plugin
                          + " not found in "
                          + HostTools.cniPath()
                          + ": install containernetworking-plugins"));
    }
    int lease = SubnetLeases.acquire(BridgeNetworks::sweep, MESH_SUBNETS);
    ControlPlane cp = null;
    try {
      Files.createDirectories(paths.registry());
      Files.createDirectories(paths.dir().resolve("pods"));
      Files.setPosixFilePermissions(paths.dir(), PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.setPosixFilePermissions(
          paths.dir().resolve("pods"), PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.writeString(paths.leaseFile(), String.valueOf(lease));
      CidrBlock subnet = SubnetLeases.subnet(lease);
      String bridge = BridgeNetworks.bridgeName(lease);
      // The bridge plugin would make it with the first pod; the control plane must bind its gateway
      // before.
      Commands.run(List.of("ip", "link", "add", bridge, "type", "bridge"))
          .orThrow("ip link add " + bridge);
      Commands.run(List.of("ip", "addr", "add", subnet.address(1) + "/24", "dev", bridge))
          .orThrow("ip addr add");
      Commands.run(List.of("ip", "link", "set", bridge, "up"))
          .orThrow("ip link set " + bridge + " up");
      cp =
          ControlPlane.start(
              ControlPlaneSettings.hostMode(paths.registry(), paths.ca())
                  .withBindAddress(subnet.address(1))
                  .withPorts(-1, 0, 0));
      Supervisor supervisor = new Supervisor(paths, lease, cp, envoy, pluginDirs);
      supervisor.status.write();
      supervisor.readiness.scheduleWithFixedDelay(
          supervisor::updateReadiness, 200, 300, TimeUnit.MILLISECONDS);
      LOG.info(
          "event=mesh_started name={} bridge={} subnet={} xds_tls={}:{} monitoring_port={}",
          paths.name(),
          bridge,
          subnet,
          subnet.address(1),
          cp.xdsTlsPort(),
          cp.monitoringPort());
      return supervisor;
    } catch (IOException | RuntimeException e) {
      if (cp != null) {
        cp.close();
      }
      BridgeNetworks.sweep(lease);
      SubnetLeases.release(lease);
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
  }

  public String gateway() {
    return subnet.address(1);
  }

  int lease() {
    return lease;
  }

  CidrBlock subnet() {
    return subnet;
  }

  ControlPlane controlPlane() {
    return controlPlane;
  }

  Map<String, String> serviceVips() {
    return serviceVips;
  }

  List<RunningPod> pods() {
    List<RunningPod> out = new ArrayList<>(pods.values());
    out.sort((a, b) -> a.key().compareTo(b.key()));
    return out;
  }

  /** The outcome of a change: errors (nothing changed) or what was done. */
  public record Outcome(List<String> errors, List<String> done) {
    public boolean ok() {
      return errors.isEmpty();
    }
  }

  public Outcome apply(List<ManifestReader.Source> sources) {
    return change(sources, false);
  }

  public Outcome delete(List<ManifestReader.Source> sources) {
    return change(sources, true);
  }

  private Outcome change(List<ManifestReader.Source> sources, boolean delete) {
    synchronized (changes) {
      if (closed) {
        return new Outcome(List.of("mesh " + paths.name() + " is shutting down"), List.of());
      }
      ManifestReader.Result read = new ManifestReader().read(sources);
      List<String> errors = new ArrayList<>(read.errors());
      MeshSpec next =
          delete ? spec.delete(read.objects(), errors) : spec.apply(read.objects(), errors);
      MeshPlanner.Plan plan = planner.plan(next);
      errors.addAll(plan.errors());
      if (!errors.isEmpty()) {
        LOG.warn("event=change_rejected mesh={} errors={}", paths.name(), errors.size());
        return new Outcome(List.copyOf(errors), List.of());
      }
      spec = next;
      List<String> done = reconcile(plan);
      status.write();
      return new Outcome(List.of(), done);
    }
  }

  private List<String> reconcile(MeshPlanner.Plan plan) {
    List<String> done = new ArrayList<>();
    Map<KubeObject.Key, String> vipByKey =
        vips.assign(
            plan.registryObjects().stream().filter(o -> o.kind().equals("Service")).toList());
    Set<String> keep = new HashSet<>();
    Map<String, String> byName = new LinkedHashMap<>();
    for (KubeObject o : plan.registryObjects()) {
      ObjectNode body = o.body().deepCopy();
      String vip = vipByKey.get(o.key());
      if (vip != null) {
        ((ObjectNode) body.with("spec")).put("clusterIP", vip);
        byName.put(o.namespace() + "/" + o.name(), vip);
      }
      ObjectNode before = inRegistry.put(o.key(), body);
      if (!body.equals(before)) {
        registry.write(o.kind(), o.namespace(), o.name(), body);
        done.add(o.describe() + (before == null ? " created" : " configured"));
      }
      keep.add(RegistryWriter.fileName(o.kind(), o.namespace(), o.name()));
    }
    Set<KubeObject.Key> current = new HashSet<>();
    plan.registryObjects().forEach(o -> current.add(o.key()));
    for (KubeObject.Key gone : Set.copyOf(inRegistry.keySet())) {
      if (!current.contains(gone)) {
        inRegistry.remove(gone);
        done.add(gone.kind() + " " + gone.namespace() + "/" + gone.name() + " deleted");
      }
    }
    serviceVips = Map.copyOf(byName);
    Map<String, PodPlan> desired = new LinkedHashMap<>();
    plan.pods().forEach(p -> desired.put(p.namespace() + "/" + p.name(), p));
    List<RunningPod> removals =
        pods.values().stream()
            .filter(
                p ->
                    !desired.containsKey(p.key())
                        || !desired.get(p.key()).pod().equals(p.plan.pod()))
            .toList();
    inParallel(removals.stream().map(p -> (Runnable) () -> removePod(p)).toList());
    removals.forEach(p -> done.add("pod " + p.key() + " removed"));
    pods.values().forEach(this::writeHosts);
    List<PodPlan> starts =
        desired.values().stream()
            .filter(p -> !pods.containsKey(p.namespace() + "/" + p.name()))
            .toList();
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    inParallel(
        starts.stream()
            .map(
                p ->
                    (Runnable)
                        () -> {
                          try {
                            startPod(p);
                          } catch (RuntimeException e) {
                            failures.add(p.describe() + ": failed to start: " + e.getMessage());
                          }
                        })
            .toList());
    starts.forEach(
        p ->
            done.add(
                "pod "
                    + p.namespace()
                    + "/"
                    + p.name()
                    + " created"
                    + (p.sidecar() ? " (with sidecar)" : "")));
    pods.values()
        .forEach(p -> keep.add(RegistryWriter.fileName("Pod", p.plan.namespace(), p.plan.name())));
    registry.retainOnly(keep);
    done.addAll(failures);
    return done;
  }

  private void inParallel(List<Runnable> tasks) {
    if (tasks.isEmpty()) {
      return;
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(START_PARALLELISM, tasks.size()));
    try {
      List<Future<?>> futures = new ArrayList<>();
      tasks.forEach(t -> futures.add(pool.submit(t)));
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          LOG.warn("event=pod_task_failed reason=\"{}\"", e.getCause().getMessage());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      pool.shutdownNow();
    }
  }

  private void startPod(PodPlan plan) {
    String netns =
        BridgeNetworks.netnsPrefix(lease) + netnsSequence.incrementAndGet() + "-" + plan.name();
    netns = netns.length() > 60 ? netns.substring(0, 60) : netns;
    Map<String, String> annotations = new LinkedHashMap<>();
    plan.pod()
        .path("metadata")
        .path("annotations")
        .fields()
        .forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));
    PodSandbox sandbox =
        PodSandbox.create(netns, loopback, chain, plan.namespace(), plan.name(), annotations);
    RunningPod pod = new RunningPod(plan, sandbox);
    pods.put(pod.key(), pod);
    try {
      writeHosts(pod);
      // In the registry before its sidecar dials in (admission needs the workload), not an endpoint
      // yet.
      registry.write("Pod", plan.namespace(), plan.name(), pod.withStatus(gateway()));
      awaitInRegistry(plan);
      pod.runtime =
          PodRuntime.start(
              plan, pod.uid, sandbox, paths.pod(plan.namespace(), plan.name()), podHost());
      LOG.info(
          "event=pod_started mesh={} pod={} ip={} netns={} sidecar={}",
          paths.name(),
          pod.key(),
          sandbox.ip(),
          netns,
          plan.sidecar());
    } catch (RuntimeException e) {
      removePod(pod);
      throw e;
    }
  }

  /**
   * A sidecar dialling in before the registry read its Pod is refused and backs off for seconds:
   * wait first.
   */
  private void awaitInRegistry(PodPlan plan) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (controlPlane.registry().current().workload(plan.namespace(), plan.name()).isEmpty()
        && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void removePod(RunningPod pod) {
    registry.remove("Pod", pod.plan.namespace(), pod.plan.name());
    PodRuntime runtime = pod.runtime;
    if (runtime != null) {
      runtime.close();
    }
    try {
      pod.sandbox.close();
    } catch (RuntimeException e) {
      LOG.warn("event=pod_teardown_failed pod={} reason=\"{}\"", pod.key(), e.getMessage());
    }
    HostsFiles.remove(pod.sandbox.netns());
    TempFiles.deleteRecursively(paths.pod(pod.plan.namespace(), pod.plan.name()));
    pods.remove(pod.key());
    LOG.info("event=pod_removed mesh={} pod={}", paths.name(), pod.key());
  }

  private void writeHosts(RunningPod pod) {
    HostsFiles.write(
        pod.sandbox.netns(),
        pod.plan.namespace(),
        pod.plan.name(),
        pod.sandbox.ip(),
        HostsFiles.entries(serviceVips));
  }

  private void updateReadiness() {
    try {
      boolean changed = false;
      for (RunningPod pod : pods.values()) {
        PodRuntime runtime = pod.runtime;
        boolean ready = runtime != null && runtime.probeReady();
        if (ready != pod.ready && pods.containsKey(pod.key())) {
          pod.ready = ready;
          registry.write("Pod", pod.plan.namespace(), pod.plan.name(), pod.withStatus(gateway()));
          LOG.info("event=pod_readiness mesh={} pod={} ready={}", paths.name(), pod.key(), ready);
          changed = true;
        }
      }
      if (changed) {
        status.write();
      }
    } catch (RuntimeException e) {
      LOG.warn("event=readiness_check_failed reason=\"{}\"", e.getMessage(), e);
    }
  }

  public JsonNode status() {
    return status.withSync();
  }

  private PodHost podHost() {
    return new PodHost() {
      @Override
      public String mintToken(String namespace, String serviceAccount, long expirationSeconds) {
        return controlPlane.mintToken(
            new WorkloadIdentity(namespace, serviceAccount), Duration.ofSeconds(expirationSeconds));
      }

      @Override
      public String rootCertPem() {
        return controlPlane.rootCertPem();
      }

      @Override
      public Optional<JsonNode> configMap(String namespace, String name) {
        return Optional.ofNullable(spec.get("ConfigMap", namespace, name)).map(KubeObject::body);
      }

      @Override
      public Path envoyBinary() {
        return envoy;
      }

      @Override
      public String hostIp() {
        return gateway();
      }
    };
  }

  /**
   * Stops and removes everything: pods, the control plane, the bridge, the lease, the state
   * directory.
   */
  @Override
  public void close() {
    synchronized (changes) {
      if (closed) {
        return;
      }
      closed = true;
      readiness.shutdownNow();
      inParallel(pods.values().stream().map(p -> (Runnable) () -> removePod(p)).toList());
      controlPlane.close();
      BridgeNetworks.sweep(lease);
      SubnetLeases.release(lease);
      TempFiles.deleteRecursively(paths.dir());
      LOG.info("event=mesh_removed name={}", paths.name());
    }
  }
}
