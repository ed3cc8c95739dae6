package io.outrigger.controlplane.server;

import io.outrigger.controlplane.generate.ProxyConfigGenerator;
import io.outrigger.controlplane.generate.ProxyResources;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MeshSettings;
import io.outrigger.controlplane.model.ProxyNode;
import io.outrigger.controlplane.xds.XdsResource;
import java.util.HashMap;
import java.util.Map;

/** Adapts the mesh's config generator to the push engine, without copying its shared maps. */
final class GeneratedProxyConfig implements ProxyConfigSource {
  private final ProxyConfigGenerator generator;
  private final PackedResources.Cache packed = new PackedResources.Cache();

  GeneratedProxyConfig(ProxyConfigGenerator generator) {
    this.generator = generator;
  }

  static ProxyConfigSource create(MeshSettings mesh) {
    return new GeneratedProxyConfig(new ProxyConfigGenerator(mesh));
  }

  @Override
  public Map<String, Map<String, XdsResource>> resources(MeshConfig mesh, ProxyNode proxy) {
    packed.meshVersion(mesh.version());
    ProxyResources generated = generator.generate(mesh, proxy);
    Map<String, Map<String, XdsResource>> byType = new HashMap<>();
    for (String typeUrl : generated.typeUrls()) {
      byType.put(typeUrl, new PackedResources(generated.resources(typeUrl), packed));
    }
    return byType;
  }
}
