package io.outrigger.testsupport;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * The architecture rule every module keeps (STYLE.md): no package depends, through any chain, on a
 * package that depends on it. Each module's {@code ArchitectureTest} applies it to its own root
 * package.
 */
public final class PackageCycles {

  private PackageCycles() {}

  /** The production classes under {@code rootPackage} (tests excluded), for further rules. */
  public static JavaClasses productionClasses(String rootPackage) {
    return new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages(rootPackage);
  }

  /**
   * Fails with every cycle found among the packages under {@code rootPackage}, each listed with its
   * edges.
   */
  public static void assertNone(String rootPackage) {
    assertNone(rootPackage, productionClasses(rootPackage));
  }

  public static void assertNone(String rootPackage, JavaClasses classes) {
    slices().matching(rootPackage + ".(**)").should().beFreeOfCycles().check(classes);
  }
}
