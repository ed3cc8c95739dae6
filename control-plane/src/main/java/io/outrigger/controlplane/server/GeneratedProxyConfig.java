package io.outrigger.controlplane.server;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.outrigger.controlplane.generate.ProxyConfigGenerator;
import io.outrigger.controlplane.generate.ProxyResources;
import io.outrigger.controlplane.generate.VersionedResource;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MeshSettings;
import io.outrigger.controlplane.model.ProxyNode;
import io.outrigger.controlplane.xds.XdsResource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Adapts the mesh's config generator to the push engine. The generator shares one message instance
 * among every proxy that gets it; packing is cached per instance (weakly, so a replaced mesh's
 * messages go with it), so a thousand proxies do not serialize the same cluster a thousand times.
 */
final class GeneratedProxyConfig implements ProxyConfigSource {
  private final ProxyConfigGenerator generator;
  private final Map<Message, Any> packed = Collections.synchronizedMap(new WeakHashMap<>());

  GeneratedProxyConfig(ProxyConfigGenerator generator) {
    this.generator = generator;
  }

  static ProxyConfigSource create(String trustDomain) {
    MeshSettings defaults = MeshSettings.defaults();
    return new GeneratedProxyConfig(new ProxyConfigGenerator(
        new MeshSettings(defaults.rootNamespace(), trustDomain, defaults.outboundTrafficPolicy())));
  }

  @Override
  public Map<String, List<XdsResource>> resources(MeshConfig mesh, ProxyNode proxy) {
    ProxyResources generated = generator.generate(mesh, proxy);
    Map<String, List<XdsResource>> byType = new HashMap<>();
    for (String typeUrl : generated.typeUrls()) {
      Map<String, VersionedResource> resources = generated.resources(typeUrl);
      List<XdsResource> list = new ArrayList<>(resources.size());
      for (VersionedResource r : resources.values()) {
        list.add(new XdsResource(r.name(), pack(r.resource()), r.version()));
      }
      byType.put(typeUrl, list);
    }
    return byType;
  }

  private Any pack(Message message) {
    Any any = packed.get(message);
    if (any == null) {
      any = Any.pack(message);
      packed.put(message, any);
    }
    return any;
  }
}
