package io.outrigger.cni.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import io.outrigger.testsupport.PackageCycles;
import org.junit.jupiter.api.Test;

class ArchitectureTest {

  private static final JavaClasses CNI = PackageCycles.productionClasses("io.outrigger.cni");

  @Test
  void noPackageCycles() {
    PackageCycles.assertNone("io.outrigger.cni", CNI);
  }

  /**
   * The plugin image is one jar (docs/cni.md): the exec'd plugin may use the sidecar contract's
   * compile-time constants, which javac inlines, but nothing that would load a contract class at
   * run time.
   */
  @Test
  void thePluginPathLoadsNoContractClass() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "io.outrigger.cni.plugin..",
            "io.outrigger.cni.capture..",
            "io.outrigger.cni.kube..",
            "io.outrigger.cni.json..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.outrigger.sidecar..")
        .because("the plugin image carries only outrigger-cni.jar")
        .check(CNI);
  }
}
