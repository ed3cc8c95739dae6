package io.outrigger.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SubnetLeasesTest {

    @Test
    void neverLeasesTheTierFiveClustersRanges() {
        List<String> refused = IntStream.range(0, SubnetLeases.SUBNETS)
                .mapToObj(SubnetLeases::subnet)
                .filter(subnet -> !SubnetLeases.leasable(subnet, List.of()))
                .map(CidrBlock::toString).toList();

        assertThat(refused).containsExactly("198.18.232.0/24", "198.18.233.0/24", "198.19.232.0/24");
    }

    @Test
    void neverLeasesASubnetAHostRouteOverlaps() {
        assertThat(SubnetLeases.leasable(SubnetLeases.subnet(4), List.of(CidrBlock.parse("198.18.4.128/25")))).isFalse();
        assertThat(SubnetLeases.leasable(SubnetLeases.subnet(4), List.of(CidrBlock.parse("198.18.5.0/24")))).isTrue();
    }
}
