package io.outrigger.controlplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import java.util.Objects;

/**
 * One named xDS resource as it travels: packed once, so pushing it to many proxies does not
 * serialize it again, and versioned on its own so a change re-sends only this resource.
 */
public record XdsResource(String name, Any body, String version) {

  public XdsResource {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(version, "version");
  }

  /** Packs a message; the version is the one its generator computed. */
  public static XdsResource of(String name, Message message, String version) {
    return new XdsResource(name, Any.pack(message), version);
  }

  /** Packs a message and versions it by its content (deterministic serialization, hashed). */
  public static XdsResource of(String name, Message message) {
    Any body = Any.pack(message);
    return new XdsResource(name, body, ResourceVersions.hash(body.getValue()));
  }

  public int sizeBytes() {
    return body.getSerializedSize();
  }
}
