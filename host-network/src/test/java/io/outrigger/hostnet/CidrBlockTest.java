package io.outrigger.hostnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CidrBlockTest {

  @Test
  void testSubnetsTileTheBenchmarkingRange() {
    assertThat(SubnetLeases.subnet(0)).hasToString("198.18.0.0/24");
    assertThat(SubnetLeases.subnet(257)).hasToString("198.19.1.0/24");
    assertThat(SubnetLeases.subnet(511)).hasToString("198.19.255.0/24");
    assertThat(SubnetLeases.subnet(3).address(1)).isEqualTo("198.18.3.1");
  }

  @Test
  void overlapUsesTheShorterPrefix() {
    CidrBlock range = CidrBlock.parse("198.18.0.0/15");
    assertThat(range.overlaps(CidrBlock.parse("198.19.7.0/24"))).isTrue();
    assertThat(CidrBlock.parse("198.19.7.0/24").overlaps(range)).isTrue();
    assertThat(range.overlaps(CidrBlock.parse("198.20.0.0/24"))).isFalse();
    assertThat(range.contains("198.19.255.254")).isTrue();
    assertThat(range.contains("198.20.0.1")).isFalse();
  }

  @Test
  void rejectsMalformedAddresses() {
    assertThatThrownBy(() -> CidrBlock.parse("198.18.0/24"))
        .hasMessageContaining("needs four octets");
    assertThatThrownBy(() -> CidrBlock.parse("198.18.0.300/24")).hasMessageContaining("octet 300");
    assertThatThrownBy(() -> SubnetLeases.subnet(0).address(256))
        .hasMessageContaining("outside 198.18.0.0/24");
  }
}
