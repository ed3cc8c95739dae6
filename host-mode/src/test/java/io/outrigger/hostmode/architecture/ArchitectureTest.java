package io.outrigger.hostmode.architecture;

import io.outrigger.testsupport.PackageCycles;
import org.junit.jupiter.api.Test;

class ArchitectureTest {

  @Test
  void noPackageCycles() {
    PackageCycles.assertNone("io.outrigger.hostmode");
  }
}
