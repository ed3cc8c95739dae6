package io.outrigger.hostmode;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input to {@code mesh up}: every object that cannot run is one line naming it and the reason,
 * and nothing is started (no state directory, no supervisor). Validation needs no root: it happens
 * before anything runs.
 */
class MeshUpValidationTest {
  private final MeshCli mesh = new MeshCli("validation" + ProcessHandle.current().pid());

  @Test
  void everyBadObjectIsOneLineAndNothingStarts(@TempDir Path dir) throws Exception {
    Files.writeString(
        dir.resolve("a.yaml"),
        """
                apiVersion: v1
                kind: Namespace
                metadata: {name: shop, labels: {outrigger.io/injection: enabled}}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: cart, namespace: shop}
                spec:
                  replicas: 2
                  selector: {matchLabels: {app: cart}}
                  template:
                    metadata: {labels: {app: cart}}
                    spec:
                      serviceAccountName: cart
                      containers: [{name: app, image: cart:1, command: [sleep, "1000"]}]
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web, namespace: shop}
                spec:
                  selector: {matchLabels: {app: web}}
                  template:
                    metadata: {labels: {app: other}}
                    spec:
                      containers: [{name: app, command: [sleep, "1000"]}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: cart, namespace: shop}
                spec:
                  clusterIP: 203.0.113.5
                  selector: {app: cart}
                  ports: [{name: http, port: 80}]
                ---
                apiVersion: apps/v1
                kind: StatefulSet
                metadata: {name: db, namespace: shop}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: lonely, namespace: nowhere}
                spec:
                  containers: [{name: app, command: [sleep, "1"]}]
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: probes
                  namespace: shop
                  annotations: {sidecar.istio.io/proxyCPU: lots}
                spec:
                  containers:
                    - name: app
                      command: [sleep, "1"]
                      readinessProbe: {exec: {command: [true]}}
                      volumeMounts: [{name: data, mountPath: /data}]
                    - name: eager
                      command: [sleep, "1"]
                      readinessProbe: {tcpSocket: {port: 80}, periodSeconds: 0}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: cart, namespace: shop}
                spec:
                  host: cart.shop.svc.cluster.local
                  subsets: [{name: v1}]
                """);
    Files.writeString(dir.resolve("b.yaml"), "kind: [unclosed\n");

    MeshCli.Run up = mesh.run("up", "-f", dir.toString());

    assertThat(up.code()).isEqualTo(1);
    assertThat(up.errorLines().getFirst())
        .startsWith("error: " + dir.resolve("b.yaml") + " line ")
        .contains(": not valid YAML: while parsing a flow sequence");
    assertThat(up.errorLines().subList(1, up.errorLines().size()))
        .containsExactlyInAnyOrder(
            "error: Deployment shop/cart (pod template): service account shop/cart does not exist (add a"
                + " ServiceAccount)",
            "error: Deployment shop/web: spec.selector.matchLabels app=web does not match the pod template's labels",
            "error: Service shop/cart: spec.clusterIP 203.0.113.5 is outside 198.18.0.0/15, the only range host mode"
                + " uses (leave it out and one is allocated from 198.19.0.0/16)",
            "error: StatefulSet shop/db: kind StatefulSet of apiVersion apps/v1 is not supported in host mode ("
                + dir.resolve("a.yaml")
                + " document 5)",
            "error: Pod nowhere/lonely: namespace nowhere does not exist (add a Namespace object)",
            "error: Pod shop/probes container app: volumeMount data names no volume of the pod",
            "error: Pod shop/probes container app: readinessProbe: only httpGet and tcpSocket probes are supported"
                + " in host mode",
            "error: Pod shop/probes container eager: readinessProbe: periodSeconds 0 must be a whole number, at"
                + " least 1",
            "error: 9 problem(s); nothing was started");
    assertThat(mesh.paths().dir()).doesNotExist();
  }

  @Test
  void injectorRefusalAndControlPlaneRejectionAreLinesToo(@TempDir Path dir) throws Exception {
    Files.writeString(
        dir.resolve("a.yaml"),
        """
                apiVersion: v1
                kind: Namespace
                metadata: {name: shop, labels: {outrigger.io/injection: enabled}}
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: cpu
                  namespace: shop
                  annotations: {sidecar.istio.io/proxyCPU: lots}
                spec:
                  containers: [{name: app, command: [sleep, "1"]}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: cart, namespace: shop}
                spec:
                  hosts: [cart.shop.svc.cluster.local]
                  http:
                    - route:
                        - destination: {host: cart.shop.svc.cluster.local}
                          weight: 90
                """);

    MeshCli.Run up = mesh.run("up", "-f", dir.toString());

    assertThat(up.code()).isEqualTo(1);
    assertThat(up.errorLines()).hasSize(3);
    assertThat(up.errorLines().get(0))
        .startsWith(
            "error: Pod shop/cpu: pod shop/cpu: annotation"
                + " sidecar.istio.io/proxyCPU=\"lots\" is not a Kubernetes quantity");
    assertThat(up.errorLines().get(1)).startsWith("error: VirtualService shop/cart: ");
    assertThat(mesh.paths().dir()).doesNotExist();
  }
}
