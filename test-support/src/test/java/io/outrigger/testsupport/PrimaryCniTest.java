package io.outrigger.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The primary CNI a tier-5 JVM runs, from its system property, and the conflist each primary's
 * installer writes, with a chained entry appended (no cluster: the files' contents only).
 */
class PrimaryCniTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final String CHAINED = "{\"type\": \"outrigger-cni\", \"log_level\": \"info\"}";

  /**
   * The run's own choice (e.g. -Doutrigger.tier5.primaryCni=flannel), put back for later classes.
   */
  private String given;

  @BeforeEach
  void clearProperty() {
    given = System.clearProperty(PrimaryCni.PROPERTY);
  }

  @AfterEach
  void restoreProperty() {
    if (given == null) {
      System.clearProperty(PrimaryCni.PROPERTY);
    } else {
      System.setProperty(PrimaryCni.PROPERTY, given);
    }
  }

  @Test
  void thePropertyPicksThePrimaryAndBridgeIsTheDefault() {
    assertThat(PrimaryCni.configured()).isEqualTo(PrimaryCni.BRIDGE);
    System.setProperty(PrimaryCni.PROPERTY, "Flannel ");
    assertThat(PrimaryCni.configured()).isEqualTo(PrimaryCni.FLANNEL);
    System.setProperty(PrimaryCni.PROPERTY, "bridge");
    assertThat(PrimaryCni.configured()).isEqualTo(PrimaryCni.BRIDGE);
  }

  @Test
  void anUnknownPrimaryIsRefusedNamingThePropertyAndTheValue() {
    System.setProperty(PrimaryCni.PROPERTY, "calico");
    assertThatThrownBy(PrimaryCni::configured)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(PrimaryCni.PROPERTY + "=calico")
        .hasMessageContaining("bridge or flannel");
  }

  @Test
  void flannelsConflistIsWhatItsInstallerWritesWithOurEntryLast() throws Exception {
    JsonNode conflist = withOurEntry(PrimaryCni.FLANNEL);

    assertThat(conflist.path("name").asText()).isEqualTo(SingleNodeClusterFiles.FLANNEL_NETWORK);
    assertThat(conflist.path("cniVersion").asText()).isEqualTo("0.3.1");
    assertThat(types(conflist)).containsExactly("flannel", "portmap", "outrigger-cni");
    JsonNode flannel = conflist.path("plugins").get(0);
    // The plugin sets the delegate's ipam itself and refuses one given here.
    assertThat(flannel.path("delegate").has("ipam")).isFalse();
    assertThat(flannel.path("delegate").path("isDefaultGateway").asBoolean()).isTrue();
  }

  @Test
  void theBridgeChainsConflistKeepsItsStateUnderTheStateDir() throws Exception {
    JsonNode conflist = withOurEntry(PrimaryCni.BRIDGE);

    assertThat(conflist.path("name").asText()).isEqualTo(SingleNodeCluster.CNI_NETWORK);
    assertThat(types(conflist)).containsExactly("bridge", "portmap", "outrigger-cni");
    assertThat(conflist.path("plugins").get(0).path("ipam").path("dataDir").asText())
        .isEqualTo("/state/cni/ipam");
  }

  @Test
  void flannelsNetworkIsExactlyThePodCidrOnHostGw() throws Exception {
    JsonNode netConf = JSON.readTree(SingleNodeClusterFlannel.netConf());

    assertThat(netConf.path("Network").asText()).isEqualTo(SingleNodeCluster.POD_CIDR);
    assertThat(netConf.path("Backend").path("Type").asText()).isEqualTo("host-gw");
    assertThat(SingleNodeClusterFlannel.controllerManagerFlags())
        .contains("--allocate-node-cidrs=true", "--cluster-cidr=" + SingleNodeCluster.POD_CIDR);
  }

  /** The primary's conflist as its installer writes it, with our entry appended, parsed. */
  private static JsonNode withOurEntry(PrimaryCni primary) throws Exception {
    return JSON.readTree(
        SingleNodeClusterFiles.conflist(Path.of("/state"), primary, List.of(CHAINED)));
  }

  private static List<String> types(JsonNode conflist) {
    List<String> types = new ArrayList<>();
    conflist.path("plugins").forEach(p -> types.add(p.path("type").asText()));
    return types;
  }
}
