package io.outrigger.cni.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.cni.json.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResultConverterTest {
  private static final String V1 =
      "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\",\"mac\":\"aa:bb:cc:dd:ee:ff\","
          + "\"sandbox\":\"/var/run/netns/p\"}],\"ips\":[{\"address\":\"198.18.0.2/24\",\"gateway\":\"198.18.0.1\",\"interface\":0},"
          + "{\"address\":\"fd00::2/64\",\"interface\":0}],\"routes\":[{\"dst\":\"0.0.0.0/0\"}],\"dns\":{\"nameservers\":[\"198.18.0.1\"]}}";

  @Test
  void addsIpVersionsForOlderRuntimesAndDropsThemAgainFor100() {
    var old = ResultConverter.convert(Json.parseObject(V1), "0.4.0");
    assertThat(Json.write(old))
        .isEqualTo(
            V1.replace("1.0.0", "0.4.0")
                .replace("{\"address\":\"198", "{\"version\":\"4\",\"address\":\"198")
                .replace("{\"address\":\"fd00", "{\"version\":\"6\",\"address\":\"fd00"));
    assertThat(Json.write(ResultConverter.convert(old, "1.0.0"))).isEqualTo(V1);
  }

  @Test
  void sameVersionIsUnchanged() {
    assertThat(Json.write(ResultConverter.convert(Json.parseObject(V1), "1.0.0"))).isEqualTo(V1);
  }

  @Test
  void podIpsComeWithoutPrefixLength() {
    assertThat(ResultConverter.podIps(Json.parseObject(V1)))
        .isEqualTo(List.of("198.18.0.2", "fd00::2"));
  }
}
