package io.outrigger.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.hostnet.CidrBlock;
import io.outrigger.hostnet.SubnetLeases;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SubnetLeasesTest {

  @Test
  void neverLeasesTheTierFiveClustersRanges() {
    List<String> refused =
        IntStream.range(0, SubnetLeases.SUBNETS)
            .mapToObj(SubnetLeases::subnet)
            .filter(subnet -> !SubnetLeases.leasable(subnet, List.of()))
            .map(CidrBlock::toString)
            .toList();

    // The pod CIDR, the node's /24, and the 256 /24s of the Service CIDR 198.19.0.0/16.
    assertThat(refused)
        .hasSize(2 + 256)
        .startsWith("198.18.232.0/24", "198.18.233.0/24", "198.19.0.0/24")
        .endsWith("198.19.255.0/24");
    // host-network cannot see SingleNodeCluster, so its reserved ranges are literals: they must
    // stay the cluster's.
    assertThat(SubnetLeases.RESERVED)
        .containsExactly(
            CidrBlock.parse(SingleNodeCluster.POD_CIDR),
            CidrBlock.parse(SingleNodeCluster.NODE_IP + "/24"),
            CidrBlock.parse(SingleNodeCluster.SERVICE_CIDR));
  }

  @Test
  void neverLeasesASubnetAHostRouteOverlaps() {
    assertThat(
            SubnetLeases.leasable(
                SubnetLeases.subnet(4), List.of(CidrBlock.parse("198.18.4.128/25"))))
        .isFalse();
    assertThat(
            SubnetLeases.leasable(
                SubnetLeases.subnet(4), List.of(CidrBlock.parse("198.18.5.0/24"))))
        .isTrue();
  }
}
