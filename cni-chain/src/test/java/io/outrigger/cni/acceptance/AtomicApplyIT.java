package io.outrigger.cni.acceptance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.outrigger.cni.capture.CaptureApplier;
import io.outrigger.cni.capture.CaptureConfig;
import io.outrigger.cni.capture.CaptureException;
import io.outrigger.cni.capture.CaptureRules;
import io.outrigger.cni.capture.CommandRunner;
import io.outrigger.cni.capture.FamilyRules;
import io.outrigger.cni.capture.IpFamily;
import io.outrigger.testsupport.NetnsPod;
import io.outrigger.testsupport.PodNetwork;
import io.outrigger.testsupport.PodSpec;
import io.outrigger.testsupport.Prerequisites;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A family whose transaction fails leaves no rule behind, in that family or in the one written
 * before it.
 */
class AtomicApplyIT {
  private final CaptureApplier applier =
      new CaptureApplier(new CommandRunner(Duration.ofSeconds(20)));

  @Test
  void aFailingIpv6TransactionRemovesTheIpv4RulesAlreadyWritten() {
    Prerequisites.requireRoot();
    Prerequisites.requireCommand("ip6tables-restore");
    List<FamilyRules> rules = CaptureRules.render(CaptureConfig.defaults(true));
    FamilyRules v6 = rules.get(1);
    List<String> broken = new ArrayList<>(v6.rules());
    // An IPv4 network in an ip6tables rule: ip6tables-restore rejects the whole transaction.
    broken.add("-A " + CaptureRules.OUTPUT + " -d 198.18.0.0/16 -j RETURN");
    List<FamilyRules> v4ThenBrokenV6 =
        List.of(rules.get(0), new FamilyRules(IpFamily.IPV6, v6.chains(), broken));

    try (PodNetwork network = PodNetwork.create();
        NetnsPod pod = network.addPod(PodSpec.named("atomic"))) {
      assertThatThrownBy(() -> applier.apply(pod.netnsPath(), v4ThenBrokenV6))
          .isInstanceOf(CaptureException.class)
          .hasMessageContaining("cannot write IPV6 capture rules: ip6tables-restore exited")
          .hasMessageContaining("rules already written for [IPV4] were removed");

      assertThat(pod.exec("iptables-save", "-t", "nat").stdout()).doesNotContain("OUTRIGGER");
      assertThat(pod.exec("ip6tables-save", "-t", "nat").stdout()).doesNotContain("OUTRIGGER");

      applier.apply(pod.netnsPath(), rules);
      assertThat(applier.missing(pod.netnsPath(), rules))
          .as("the unbroken rules apply in both families")
          .isEmpty();
      applier.remove(pod.netnsPath());
      assertThat(pod.exec("ip6tables-save", "-t", "nat").stdout()).doesNotContain("OUTRIGGER");
    }
  }
}
