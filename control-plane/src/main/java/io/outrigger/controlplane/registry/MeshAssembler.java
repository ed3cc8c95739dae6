package io.outrigger.controlplane.registry;

import io.outrigger.controlplane.model.AuthorizationPolicyConfig;
import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.model.DestinationRuleConfig;
import io.outrigger.controlplane.model.EndpointSliceConfig;
import io.outrigger.controlplane.model.HttpRouteConfig;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.NamespaceConfig;
import io.outrigger.controlplane.model.PeerAuthenticationConfig;
import io.outrigger.controlplane.model.RequestAuthenticationConfig;
import io.outrigger.controlplane.model.Service;
import io.outrigger.controlplane.model.VirtualServiceConfig;
import io.outrigger.controlplane.model.Workload;
import io.outrigger.controlplane.registry.convert.ImplementedFields;
import io.outrigger.controlplane.registry.convert.InvalidConfigException;
import io.outrigger.controlplane.registry.convert.MeshLookup;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the objects a registry read into a {@link MeshConfig}, whatever the registry. An object
 * that fails validation is reported as a {@link ConfigError} and its last good version stays in
 * force, while every other object's changes apply. Each kind is converted as {@link ConfigKinds}
 * says; kinds that need a lookup (VirtualServices) are checked last, against the services and
 * DestinationRules in force.
 */
public final class MeshAssembler {

  private static final Logger log = LoggerFactory.getLogger(MeshAssembler.class);

  /**
   * False for {@code outrigger analyze}, which reports rejections as findings, not as log lines.
   */
  private final boolean logs;

  private Map<ObjectKey, Object> lastGood = Map.of();

  public MeshAssembler() {
    this(true);
  }

  /**
   * @param logs whether to log each assembly and rejection (a running registry does)
   */
  public MeshAssembler(boolean logs) {
    this.logs = logs;
  }

  private MeshConfig last = MeshConfig.empty();

  /**
   * The conversion of each object that needs no lookup, by key: a registry hands the same fabric8
   * instance again while the object is unchanged (an informer's store, an unchanged file), so with
   * thousands of pods one change converts one object, not all of them.
   */
  private Map<ObjectKey, Converted> converted = Map.of();

  private record Converted(Object resource, ConfigObject.Origin origin, Object model) {}

  /**
   * @param readErrors objects (or files) that could not even be parsed; an error naming an object
   *     keeps that object's last good version
   * @return the new snapshot, or the previous instance when nothing in force changed
   */
  public synchronized MeshConfig assemble(
      List<ConfigObject> objects, List<ConfigError> readErrors) {
    List<ConfigError> errors = new ArrayList<>(readErrors);
    Map<ObjectKey, ConfigObject> unique = dedupe(objects, errors);
    Map<ObjectKey, Object> good = new LinkedHashMap<>();
    Map<ObjectKey, Converted> nowConverted = new HashMap<>();
    for (ConfigObject object : unique.values()) {
      if (!needsLookup(object)) {
        accept(object, () -> convertOnce(object, nowConverted), good, errors);
      }
    }
    converted = nowConverted;
    keepLastGoodOfUnreadable(readErrors, good);
    MeshLookup lookup = lookup(good);
    for (ConfigObject object : unique.values()) {
      if (needsLookup(object)) {
        accept(object, () -> convert(object, lookup), good, errors);
      }
    }
    keepLastGoodOfUnreadable(readErrors, good);
    MeshConfig next = build(last.version() + 1, good, errors);
    lastGood = Map.copyOf(good);
    if (sameContent(next, last)) {
      return last;
    }
    last = next;
    if (logs) {
      log.info(
          "event=mesh_assembled version={} services={} workloads={} virtualServices={} errors={}",
          next.version(),
          next.services().size(),
          next.workloads().size(),
          next.virtualServices().size(),
          next.errors().size());
    }
    return next;
  }

  /**
   * Checks one object as {@link #assemble} would, against a partial view of the mesh (what an
   * admission webhook knows when the object is applied): checks that need an object the view lacks
   * are skipped.
   *
   * @return the reason it would be rejected, exactly as {@link #assemble} logs and reports it
   */
  public static Optional<String> check(ConfigObject object, MeshConfig inForce) {
    MeshLookup partial =
        new MeshLookup() {
          @Override
          public Optional<Service> service(String host) {
            return inForce.service(host);
          }

          @Override
          public Optional<DestinationRuleConfig> destinationRule(String host) {
            return inForce.destinationRule(host);
          }

          @Override
          public boolean complete() {
            return false;
          }
        };
    try {
      convert(object, partial);
      return Optional.empty();
    } catch (InvalidConfigException | RuntimeException e) {
      return Optional.of(e.getMessage());
    }
  }

  private interface Conversion {
    Object convert() throws InvalidConfigException;
  }

  private void accept(
      ConfigObject object,
      Conversion conversion,
      Map<ObjectKey, Object> good,
      List<ConfigError> errors) {
    ObjectKey key = object.key();
    try {
      Object converted = conversion.convert();
      if (converted != null) {
        good.put(key, converted);
      }
    } catch (InvalidConfigException | RuntimeException e) {
      // Never a null reason: an exception without a message is named by its type.
      String reason =
          e.getMessage() != null
              ? e.getMessage()
              : "cannot be converted (" + e.getClass().getSimpleName() + ")";
      ConfigError error =
          new ConfigError(
              key.kind(),
              key.namespace(),
              key.name(),
              reason,
              e instanceof InvalidConfigException invalid
                  ? invalid.problem()
                  : ConfigError.Problem.INVALID);
      errors.add(error);
      Object previous = lastGood.get(key);
      if (previous != null) {
        good.put(key, previous);
      }
      if (logs) {
        log.warn(
            "event=config_rejected kind={} namespace={} name={} source={} keptLastGood={} reason=\"{}\"",
            key.kind(),
            key.namespace(),
            key.name(),
            object.source(),
            previous != null,
            reason);
      }
    }
  }

  private static boolean needsLookup(ConfigObject object) {
    return ConfigKinds.named(object.key().kind()).map(ConfigKind::needsLookup).orElse(false);
  }

  private Object convertOnce(ConfigObject object, Map<ObjectKey, Converted> nowConverted)
      throws InvalidConfigException {
    Converted before = converted.get(object.key());
    Object model =
        before != null
                && before.resource() == object.resource()
                && before.origin() == object.origin()
            ? before.model()
            : convert(object, null);
    nowConverted.put(object.key(), new Converted(object.resource(), object.origin(), model));
    return model;
  }

  private static Object convert(ConfigObject object, MeshLookup lookup)
      throws InvalidConfigException {
    ConfigKind<?> kind =
        ConfigKinds.named(object.key().kind())
            .filter(k -> k.type().isInstance(object.resource()))
            .orElseThrow(
                () ->
                    new InvalidConfigException(
                        "kind " + object.key().kind() + " is not supported"));
    Object model = kind.convert(object.resource(), object.key().namespace(), lookup);
    if (model != null) {
      // After the converter, so its more specific refusals (queryParams, redirect...) come first.
      ImplementedFields.requireImplemented(object.key().kind(), object.resource());
    }
    // The Kubernetes API has an EndpointSlice controller: there, it and not the selector says who
    // serves.
    return model instanceof Service s && object.origin() == ConfigObject.Origin.KUBERNETES
        ? s.withEndpointsFromSlices()
        : model;
  }

  private void keepLastGoodOfUnreadable(List<ConfigError> readErrors, Map<ObjectKey, Object> good) {
    for (ConfigError e : readErrors) {
      ObjectKey key = new ObjectKey(e.kind(), e.namespace(), e.name());
      Object previous = lastGood.get(key);
      if (previous != null) {
        good.putIfAbsent(key, previous);
      }
    }
  }

  private static Map<ObjectKey, ConfigObject> dedupe(
      List<ConfigObject> objects, List<ConfigError> errors) {
    Map<ObjectKey, ConfigObject> unique = new LinkedHashMap<>();
    for (ConfigObject object : objects) {
      ConfigObject first = unique.putIfAbsent(object.key(), object);
      if (first != null) {
        ObjectKey k = object.key();
        errors.add(
            new ConfigError(
                k.kind(),
                k.namespace(),
                k.name(),
                "defined twice (in "
                    + first.source()
                    + " and "
                    + object.source()
                    + "), the first one is used",
                ConfigError.Problem.DUPLICATE));
      }
    }
    return unique;
  }

  private static MeshLookup lookup(Map<ObjectKey, Object> good) {
    Map<String, Service> services = new HashMap<>();
    Map<String, DestinationRuleConfig> rules = new HashMap<>();
    good.values()
        .forEach(
            o -> {
              if (o instanceof Service s) {
                services.put(s.hostname(), s);
              } else if (o instanceof DestinationRuleConfig d) {
                rules.merge(
                    d.host(),
                    d,
                    (a, b) ->
                        (a.namespace() + "/" + a.name()).compareTo(b.namespace() + "/" + b.name())
                                <= 0
                            ? a
                            : b);
              }
            });
    return new MeshLookup() {
      @Override
      public Optional<Service> service(String host) {
        return Optional.ofNullable(services.get(host));
      }

      @Override
      public Optional<DestinationRuleConfig> destinationRule(String host) {
        return Optional.ofNullable(rules.get(host));
      }
    };
  }

  private static MeshConfig build(
      long version, Map<ObjectKey, Object> good, List<ConfigError> errors) {
    MeshConfig.Builder b = MeshConfig.builder(version);
    good.values()
        .forEach(
            o -> {
              switch (o) {
                case Service s -> b.service(s);
                case Workload w -> b.workload(w);
                case VirtualServiceConfig v -> b.virtualService(v);
                case DestinationRuleConfig d -> b.destinationRule(d);
                case PeerAuthenticationConfig p -> b.peerAuthentication(p);
                case AuthorizationPolicyConfig a -> b.authorizationPolicy(a);
                case RequestAuthenticationConfig r -> b.requestAuthentication(r);
                case EndpointSliceConfig e -> b.endpointSlice(e);
                case NamespaceConfig n -> b.namespace(n);
                case HttpRouteConfig h -> b.httpRoute(h);
                default ->
                    throw new IllegalStateException("unexpected model object " + o.getClass());
              }
            });
    errors.forEach(b::error);
    return b.build();
  }

  private static boolean sameContent(MeshConfig a, MeshConfig b) {
    return a.services().equals(b.services())
        && a.workloads().equals(b.workloads())
        && a.virtualServices().equals(b.virtualServices())
        && a.destinationRules().equals(b.destinationRules())
        && a.peerAuthentications().equals(b.peerAuthentications())
        && a.authorizationPolicies().equals(b.authorizationPolicies())
        && a.requestAuthentications().equals(b.requestAuthentications())
        && a.endpointSlices().equals(b.endpointSlices())
        && a.namespaces().equals(b.namespaces())
        && a.httpRoutes().equals(b.httpRoutes())
        && a.errors().equals(b.errors());
  }
}
