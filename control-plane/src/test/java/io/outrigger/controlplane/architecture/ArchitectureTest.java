package io.outrigger.controlplane.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import io.outrigger.testsupport.PackageCycles;
import org.junit.jupiter.api.Test;

/**
 * The control plane's layers (STYLE.md, after Istio's pilot): registries build the model,
 * generators turn the model into Envoy config, xds and server carry it. Each rule names the habit
 * it keeps. Plain JUnit tests over ArchUnit rules, so that {@code -Dtest=ArchitectureTest} selects
 * them like any other test.
 */
class ArchitectureTest {

  private static final JavaClasses CONTROL_PLANE =
      PackageCycles.productionClasses("io.outrigger.controlplane");

  @Test
  void noPackageCycles() {
    PackageCycles.assertNone("io.outrigger.controlplane", CONTROL_PLANE);
  }

  @Test
  void theModelKnowsNothingThatUsesIt() {
    noClasses()
        .that()
        .resideInAPackage("..controlplane.model..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "..controlplane.registry..",
            "..controlplane.generate..",
            "..controlplane.xds..",
            "..controlplane.server..")
        .because(
            "the model is what the mesh is; reading it, turning it into Envoy config and sending"
                + " it live above it")
        .check(CONTROL_PLANE);
  }

  @Test
  void generatorsNeverTalkGrpcNorReadRegistries() {
    noClasses()
        .that()
        .resideInAPackage("..controlplane.generate..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "..controlplane.xds..",
            "..controlplane.server..",
            "..controlplane.registry..",
            "io.grpc..")
        .because("model -> generate -> xds is one way: a generator's only input is the model")
        .check(CONTROL_PLANE);
  }

  @Test
  void registriesNeverBuildEnvoyConfig() {
    noClasses()
        .that()
        .resideInAPackage("..controlplane.registry..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("..controlplane.generate..", "..controlplane.xds..", "io.envoyproxy..")
        .because("registries build the model, generators build Envoy config")
        .check(CONTROL_PLANE);
  }

  @Test
  void onlyTheRegistryKnowsWhichRegistryIsInUse() {
    noClasses()
        .that()
        .resideOutsideOfPackage("..controlplane.registry..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("..controlplane.registry.file..", "..controlplane.registry.kube..")
        .because("the server, the CLI and the settings hold a RegistrySource and open() it")
        .check(CONTROL_PLANE);
  }
}
