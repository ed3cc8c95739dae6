package io.outrigger.testsupport;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.outrigger.hostnet.ExecResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One revision of the mesh installed into the tier-5 cluster the way a user installs it: {@code
 * helm install} of manifests/charts/outrigger, run on the machine with the cluster admin's
 * kubeconfig. {@link #install} imports the images ({@link MeshImages}), installs, and returns once
 * the control plane Deployment is Ready and the webhook configurations carry the mesh CA bundle
 * (written by the control plane's leader). {@link #close()} is {@code helm uninstall}; {@link
 * #purge} also removes what the chart leaves on purpose (the CRDs, the mesh CA Secret, root-cert
 * ConfigMaps and leader Leases written by the control plane, the namespace), leaving the shared
 * cluster as it found it.
 *
 * <p>Each revision's Service gets a fixed clusterIP ({@link #serviceIp}) and the injector config's
 * {@code controlPlane.address} points the sidecars at it (they still verify the Service name), as
 * for a cluster without cluster DNS. Tier 5 now has one ({@code ClusterDns}; the chart's default
 * address, {@code outrigger.outrigger-system.svc:15012}, was checked to work there too), but the
 * fixed address keeps the tests independent of it. A real cluster needs neither value.
 */
public final class MeshInstallation implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(MeshInstallation.class);
  public static final String NAMESPACE = "outrigger-system";
  public static final String CA_SECRET = "outrigger-ca";

  /** The chart's CNI node agent (templates/cni.yaml). */
  public static final String CNI_DAEMONSET = "outrigger-cni";

  private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);

  private final SingleNodeCluster cluster;
  private final Helm helm;
  private final String revision;
  private final Duration installTime;

  /** The YAML applied with kubectl ({@link #applyManifest}); null for a Helm release. */
  private final String manifest;

  private boolean uninstalled;

  private MeshInstallation(
      SingleNodeCluster cluster,
      Helm helm,
      String revision,
      Duration installTime,
      String manifest) {
    this.cluster = cluster;
    this.helm = helm;
    this.revision = revision;
    this.installTime = installTime;
    this.manifest = manifest;
  }

  /**
   * Installs revision {@code revision} ("default" for the default one) with these extra {@code
   * --set} values (e.g. {@code replicaCount=2}), after importing the images; returns once it is
   * Ready with its CA bundles. Fails (uninstalling what it installed) with the pods' state and the
   * control plane's log.
   */
  public static MeshInstallation install(
      SingleNodeCluster cluster, String revision, String... sets) {
    Helm helm = Helm.require();
    MeshImages.importInto(cluster);
    String ip = serviceIp(revision);
    List<String> args =
        new ArrayList<>(
            List.of(
                "install",
                releaseName(revision),
                Helm.chart().toString(),
                "--namespace",
                NAMESPACE,
                "--create-namespace",
                "--kubeconfig",
                cluster.adminKubeconfig().toString(),
                "--set",
                "revision=" + revision,
                "--set",
                "controlPlane.serviceClusterIP=" + ip,
                "--set",
                "controlPlane.address=" + ip + ":15012"));
    // The CNI node agent with the node's CNI paths (the chart's defaults, /opt/cni/bin and
    // /etc/cni/net.d, are
    // this machine's). Its objects are not per revision: only the first release installed carries
    // it.
    boolean cni =
        cluster.client().apps().daemonSets().inNamespace(NAMESPACE).withName(CNI_DAEMONSET).get()
            == null;
    args.addAll(List.of("--set", "cni.enabled=" + cni));
    if (cni) {
      cniValues(cluster).forEach(set -> args.addAll(List.of("--set", set)));
    }
    for (String set : sets) {
      args.addAll(List.of("--set", set));
    }
    long started = System.nanoTime();
    ExecResult result = helm.run(Duration.ofMinutes(2), args);
    if (!result.succeeded()) {
      throw new IllegalStateException(
          "helm install "
              + releaseName(revision)
              + " failed (exit "
              + result.exitCode()
              + "): "
              + result.stderr()
              + result.stdout());
    }
    return awaitReady(new MeshInstallation(cluster, helm, revision, Duration.ZERO, null), started);
  }

  /**
   * The mesh without Helm: {@code kubectl apply --server-side} of {@code manifest} (what {@code
   * outrigger manifest generate} printed for {@code revision}, with the tier's fixed Service IP and
   * address and {@code createNamespace=true}), after importing the images; returns once Ready with
   * its CA bundles. {@link #uninstall()} is then {@code kubectl delete -f} of the same YAML (the
   * CRDs and namespace included).
   */
  public static MeshInstallation applyManifest(
      SingleNodeCluster cluster, String revision, String manifest) {
    MeshImages.importInto(cluster);
    long started = System.nanoTime();
    cluster
        .kubectlWithInput(manifest, "apply", "--server-side", "-f", "-")
        .orThrow("kubectl apply of the mesh manifest of revision " + revision);
    return awaitReady(
        new MeshInstallation(cluster, null, revision, Duration.ZERO, manifest), started);
  }

  private static MeshInstallation awaitReady(MeshInstallation mesh, long started) {
    try {
      mesh.awaitReady();
    } catch (RuntimeException | Error e) {
      String state = mesh.diagnostics();
      mesh.close();
      throw new IllegalStateException(
          "mesh revision " + mesh.revision + ": " + e.getMessage() + "\n" + state, e);
    }
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    LOG.info("event=mesh_installed revision={} install_ms={}", mesh.revision, took.toMillis());
    return new MeshInstallation(mesh.cluster, mesh.helm, mesh.revision, took, mesh.manifest);
  }

  /**
   * The chart's CNI values for the tier-5 node: its CNI directories, and the plugin's log and
   * records beside them.
   */
  public static List<String> cniValues(SingleNodeCluster cluster) {
    return List.of(
        "cni.binDir=" + cluster.cniBinDir(),
        "cni.confDir=" + cluster.cniConfDir(),
        "cni.logFile=" + cluster.cniBinDir().resolveSibling("outrigger-cni.log"),
        "cni.podRecordsDir=" + cluster.cniBinDir().resolveSibling("outrigger-cni-pods"));
  }

  /** The Helm release of a revision: {@code outrigger} or {@code outrigger-REVISION}. */
  public static String releaseName(String revision) {
    return objectName(revision);
  }

  /**
   * The revision's Deployment, Service, accounts and roles: {@code outrigger} or {@code
   * outrigger-REVISION}.
   */
  public static String objectName(String revision) {
    return "default".equals(revision) ? "outrigger" : "outrigger-" + revision;
  }

  /**
   * The fixed clusterIP of a revision's Service in the tier-5 service CIDR (198.19.232.0/24): .15
   * for "default", and a stable address in .16-.239 for any other name (two revisions installed
   * together must not hash alike; the test chooses their names).
   */
  public static String serviceIp(String revision) {
    int host = "default".equals(revision) ? 15 : 16 + Math.floorMod(revision.hashCode(), 224);
    return "198.19.232." + host;
  }

  /** host:port the injected sidecars dial: the Service's fixed IP, port 15012. */
  public String controlPlaneAddress() {
    return serviceIp(revision) + ":15012";
  }

  public String revision() {
    return revision;
  }

  /** From {@code helm install} to Ready with CA bundles written. */
  public Duration installTime() {
    return installTime;
  }

  public String mutatingWebhookName() {
    return "outrigger-sidecar-injector" + ("default".equals(revision) ? "" : "-" + revision);
  }

  public String validatingWebhookName() {
    return "outrigger-validator" + ("default".equals(revision) ? "" : "-" + revision);
  }

  /** The mesh root(s) in force: root-cert.pem of the CA Secret. */
  public String rootCertPem() {
    Secret secret = cluster.client().secrets().inNamespace(NAMESPACE).withName(CA_SECRET).get();
    Objects.requireNonNull(secret, "no CA Secret " + NAMESPACE + "/" + CA_SECRET);
    return new String(
        Base64.getDecoder().decode(secret.getData().get("root-cert.pem")),
        StandardCharsets.US_ASCII);
  }

  private void awaitReady() {
    KubernetesClient client = cluster.client();
    client
        .apps()
        .deployments()
        .inNamespace(NAMESPACE)
        .withName(objectName(revision))
        .waitUntilCondition(MeshInstallation::ready, READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    await(
        "CA bundle in every webhook of "
            + mutatingWebhookName()
            + " and "
            + validatingWebhookName(),
        this::caBundlesWritten,
        Duration.ofSeconds(60));
    // Ready means our entry ends the node's conflist: a meshed pod created before that would be
    // repaired.
    await(
        "the CNI DaemonSet " + CNI_DAEMONSET + " Ready",
        () -> {
          DaemonSet ds =
              client.apps().daemonSets().inNamespace(NAMESPACE).withName(CNI_DAEMONSET).get();
          return ds == null
              || (ds.getStatus() != null
                  && ds.getStatus().getDesiredNumberScheduled() != null
                  && ds.getStatus().getDesiredNumberScheduled() > 0
                  && ds.getStatus()
                      .getDesiredNumberScheduled()
                      .equals(ds.getStatus().getNumberReady())
                  && ds.getStatus()
                      .getDesiredNumberScheduled()
                      .equals(ds.getStatus().getUpdatedNumberScheduled()));
        },
        READY_TIMEOUT);
  }

  private static boolean ready(Deployment d) {
    if (d == null || d.getStatus() == null) {
      return false;
    }
    Integer want = d.getSpec().getReplicas();
    Integer ready = d.getStatus().getReadyReplicas();
    Integer updated = d.getStatus().getUpdatedReplicas();
    return want != null
        && ready != null
        && ready.equals(want)
        && want.equals(updated)
        && Objects.equals(d.getStatus().getObservedGeneration(), d.getMetadata().getGeneration());
  }

  private boolean caBundlesWritten() {
    MutatingWebhookConfiguration mutating =
        cluster
            .client()
            .admissionRegistration()
            .v1()
            .mutatingWebhookConfigurations()
            .withName(mutatingWebhookName())
            .get();
    ValidatingWebhookConfiguration validating =
        cluster
            .client()
            .admissionRegistration()
            .v1()
            .validatingWebhookConfigurations()
            .withName(validatingWebhookName())
            .get();
    return mutating != null
        && validating != null
        && Stream.concat(
                mutating.getWebhooks().stream().map(w -> w.getClientConfig().getCaBundle()),
                validating.getWebhooks().stream().map(w -> w.getClientConfig().getCaBundle()))
            .allMatch(b -> b != null && !b.isEmpty());
  }

  /**
   * The control plane pods' phases and conditions, and each one's log tail: why an install is not
   * Ready.
   */
  public String diagnostics() {
    StringBuilder out = new StringBuilder();
    out.append(
        cluster
            .kubectl("get", "pods,deployments,services,events", "-n", NAMESPACE, "-o", "wide")
            .stdout());
    ExecResult logs =
        cluster.kubectl(
            "logs",
            "-n",
            NAMESPACE,
            "-l",
            "app=outrigger,outrigger.io/rev=" + revision,
            "--tail",
            "40",
            "--all-containers",
            "--prefix");
    out.append("--- control plane logs ---\n").append(logs.stdout()).append(logs.stderr());
    return out.toString();
  }

  /**
   * {@code helm uninstall --wait} (or {@code kubectl delete} of an applied manifest); on success
   * also waits (up to 90 s) until the control plane's pods are gone, so the release's objects are
   * all gone when this returns.
   */
  public ExecResult uninstall() {
    uninstalled = true;
    ExecResult result =
        manifest != null
            ? cluster.kubectlWithInput(
                manifest, "delete", "--ignore-not-found", "--wait=true", "-f", "-")
            : helm.run(
                Duration.ofMinutes(2),
                List.of(
                    "uninstall",
                    releaseName(revision),
                    "--namespace",
                    NAMESPACE,
                    "--kubeconfig",
                    cluster.adminKubeconfig().toString(),
                    "--wait",
                    "--timeout",
                    "90s"));
    if (result.succeeded()) {
      await(
          "the pods of " + objectName(revision) + " to be gone",
          () ->
              cluster
                  .client()
                  .pods()
                  .inNamespace(NAMESPACE)
                  .withLabel("app", "outrigger")
                  .withLabel("outrigger.io/rev", revision)
                  .list()
                  .getItems()
                  .isEmpty(),
          Duration.ofSeconds(90));
      // The CNI installer uninstalls from the node in its SIGTERM hook when its DaemonSet went with
      // this release.
      if (cluster.client().apps().daemonSets().inNamespace(NAMESPACE).withName(CNI_DAEMONSET).get()
          == null) {
        await(
            "the CNI installer pods to be gone",
            () ->
                cluster
                    .client()
                    .pods()
                    .inNamespace(NAMESPACE)
                    .withLabel("app", CNI_DAEMONSET)
                    .list()
                    .getItems()
                    .isEmpty(),
            Duration.ofSeconds(90));
      }
    }
    return result;
  }

  /** Uninstalls, unless already done. */
  @Override
  public void close() {
    if (!uninstalled) {
      ExecResult result = uninstall();
      if (!result.succeeded()) {
        LOG.warn(
            "event=mesh_uninstall_failed revision={} stderr={}", revision, result.stderr().strip());
      }
    }
  }

  /**
   * What the chart leaves behind on purpose, removed: the namespace (with the CA Secret and the
   * leader Leases), the root-cert ConfigMaps in every namespace, and the CRDs (Helm never deletes a
   * chart's crds/). Call after every revision is uninstalled, to give the shared cluster back as it
   * was.
   */
  public static void purge(SingleNodeCluster cluster) {
    cluster.kubectl(
        "delete",
        "configmap",
        "--all-namespaces",
        "-l",
        "outrigger.io/config=ca-root-cert",
        "--ignore-not-found",
        "--wait=false");
    cluster.kubectl(
        "delete", "namespace", NAMESPACE, "--ignore-not-found", "--wait=true", "--timeout=50s");
    cluster.kubectl("delete", "-f", Helm.chart().resolve("crds").toString(), "--ignore-not-found");
  }

  private static void await(String what, BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "timed out after " + timeout.toSeconds() + " s waiting for " + what);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for " + what, e);
      }
    }
  }
}
