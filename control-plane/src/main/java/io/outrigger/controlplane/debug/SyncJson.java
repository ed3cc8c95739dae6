package io.outrigger.controlplane.debug;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.xds.Nack;
import io.outrigger.controlplane.xds.ProxySyncStatus;
import io.outrigger.controlplane.xds.TypeSyncStatus;
import io.outrigger.controlplane.xds.XdsTypes;
import java.time.Instant;
import java.util.List;

/**
 * The /debug/syncz document: each proxy's per-type sent/ACKed versions and last NACK, and config
 * errors.
 */
final class SyncJson {
  private final ObjectMapper mapper;

  SyncJson(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  ObjectNode syncz(long meshVersion, List<ProxySyncStatus> proxies, List<ConfigError> errors) {
    ObjectNode root = mapper.createObjectNode();
    root.put("meshVersion", meshVersion);
    ArrayNode list = root.putArray("proxies");
    proxies.forEach(p -> list.add(proxy(p)));
    root.set("configErrors", errors(errors));
    return root;
  }

  ArrayNode errors(List<ConfigError> errors) {
    ArrayNode list = mapper.createArrayNode();
    for (ConfigError e : errors) {
      ObjectNode n = list.addObject();
      n.put("kind", e.kind());
      n.put("namespace", e.namespace());
      n.put("name", e.name());
      n.put("reason", e.reason());
      n.put("message", e.message());
    }
    return list;
  }

  private ObjectNode proxy(ProxySyncStatus p) {
    ObjectNode n = mapper.createObjectNode();
    n.put("proxy", p.proxyId());
    n.put("identity", p.identity());
    n.put("authenticated", p.authenticated());
    n.put("protocol", p.protocol());
    n.put("stream", p.streamId());
    n.put("connectedAt", text(p.connectedAt()));
    ObjectNode types = n.putObject("types");
    for (TypeSyncStatus t : p.types()) {
      ObjectNode tn = types.putObject(XdsTypes.shortName(t.typeUrl()));
      tn.put("sent", t.sentVersion());
      tn.put("sentAt", text(t.sentAt()));
      tn.put("acked", t.ackedVersion());
      tn.put("ackedAt", text(t.ackedAt()));
      tn.put("resources", t.resourcesSent());
      tn.put("inSync", t.inSync());
      Nack nack = t.lastNack();
      if (nack != null) {
        ObjectNode nn = tn.putObject("lastNack");
        nn.put("version", nack.version());
        nn.put("error", nack.message());
        nn.put("at", text(nack.at()));
      }
    }
    return n;
  }

  private static String text(Instant at) {
    return at == null ? null : at.toString();
  }
}
