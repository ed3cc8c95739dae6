package io.outrigger.controlplane.registry;

import io.fabric8.istio.api.networking.v1.DestinationRule;
import io.fabric8.istio.api.networking.v1.VirtualService;
import io.fabric8.istio.api.networking.v1.WorkloadEntry;
import io.fabric8.istio.api.security.v1.PeerAuthentication;
import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.model.DestinationRuleConfig;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.PeerAuthenticationConfig;
import io.outrigger.controlplane.model.Service;
import io.outrigger.controlplane.model.VirtualServiceConfig;
import io.outrigger.controlplane.model.Workload;
import io.outrigger.controlplane.registry.convert.DestinationRuleConverter;
import io.outrigger.controlplane.registry.convert.InvalidConfigException;
import io.outrigger.controlplane.registry.convert.MeshLookup;
import io.outrigger.controlplane.registry.convert.PeerAuthenticationConverter;
import io.outrigger.controlplane.registry.convert.PodConverter;
import io.outrigger.controlplane.registry.convert.ServiceConverter;
import io.outrigger.controlplane.registry.convert.VirtualServiceConverter;
import io.outrigger.controlplane.registry.convert.WorkloadEntryConverter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the objects a registry read into a {@link MeshConfig}, whatever the registry. An object that fails
 * validation is reported as a {@link ConfigError} and its last good version stays in force, while every
 * other object's changes apply. VirtualServices are checked last, against the services and
 * DestinationRules in force.
 */
public final class MeshAssembler {
    public static final String SERVICE = "Service";
    public static final String WORKLOAD_ENTRY = "WorkloadEntry";
    public static final String VIRTUAL_SERVICE = "VirtualService";
    public static final String DESTINATION_RULE = "DestinationRule";
    public static final String PEER_AUTHENTICATION = "PeerAuthentication";
    public static final String POD = "Pod";

    private static final Logger log = LoggerFactory.getLogger(MeshAssembler.class);

    private Map<ObjectKey, Object> lastGood = Map.of();
    private MeshConfig last = MeshConfig.empty();

    /**
     * @param readErrors objects (or files) that could not even be parsed; an error naming an object keeps
     *                   that object's last good version
     * @return the new snapshot, or the previous instance when nothing in force changed
     */
    public synchronized MeshConfig assemble(List<ConfigObject> objects, List<ConfigError> readErrors) {
        List<ConfigError> errors = new ArrayList<>(readErrors);
        Map<ObjectKey, ConfigObject> unique = dedupe(objects, errors);
        Map<ObjectKey, Object> good = new LinkedHashMap<>();
        for (ConfigObject object : unique.values()) {
            if (!VIRTUAL_SERVICE.equals(object.key().kind())) {
                accept(object, () -> convertPlain(object), good, errors);
            }
        }
        keepLastGoodOfUnreadable(readErrors, good);
        MeshLookup lookup = lookup(good);
        for (ConfigObject object : unique.values()) {
            if (VIRTUAL_SERVICE.equals(object.key().kind())) {
                accept(object, () -> VirtualServiceConverter.convert((VirtualService) object.resource(),
                        object.key().namespace(), lookup).orElse(null), good, errors);
            }
        }
        keepLastGoodOfUnreadable(readErrors, good);
        MeshConfig next = build(last.version() + 1, good, errors);
        lastGood = Map.copyOf(good);
        if (sameContent(next, last)) {
            return last;
        }
        last = next;
        log.info("event=mesh_assembled version={} services={} workloads={} virtualServices={} errors={}",
                next.version(), next.services().size(), next.workloads().size(), next.virtualServices().size(),
                next.errors().size());
        return next;
    }

    private interface Conversion {
        Object convert() throws InvalidConfigException;
    }

    private void accept(ConfigObject object, Conversion conversion, Map<ObjectKey, Object> good,
                        List<ConfigError> errors) {
        ObjectKey key = object.key();
        try {
            Object converted = conversion.convert();
            if (converted != null) {
                good.put(key, converted);
            }
        } catch (InvalidConfigException | RuntimeException e) {
            ConfigError error = new ConfigError(key.kind(), key.namespace(), key.name(), e.getMessage());
            errors.add(error);
            Object previous = lastGood.get(key);
            if (previous != null) {
                good.put(key, previous);
            }
            log.warn("event=config_rejected kind={} namespace={} name={} source={} keptLastGood={} reason=\"{}\"",
                    key.kind(), key.namespace(), key.name(), object.source(), previous != null, e.getMessage());
        }
    }

    private static Object convertPlain(ConfigObject object) throws InvalidConfigException {
        String ns = object.key().namespace();
        return switch (object.resource()) {
            case io.fabric8.kubernetes.api.model.Service s -> ServiceConverter.convert(s, ns);
            case WorkloadEntry w -> WorkloadEntryConverter.convert(w, ns);
            case io.fabric8.kubernetes.api.model.Pod p -> PodConverter.convert(p, ns).orElse(null);
            case DestinationRule d -> DestinationRuleConverter.convert(d, ns);
            case PeerAuthentication p -> PeerAuthenticationConverter.convert(p, ns);
            default -> throw new InvalidConfigException("kind " + object.key().kind() + " is not supported");
        };
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

    private static Map<ObjectKey, ConfigObject> dedupe(List<ConfigObject> objects, List<ConfigError> errors) {
        Map<ObjectKey, ConfigObject> unique = new LinkedHashMap<>();
        for (ConfigObject object : objects) {
            ConfigObject first = unique.putIfAbsent(object.key(), object);
            if (first != null) {
                ObjectKey k = object.key();
                errors.add(new ConfigError(k.kind(), k.namespace(), k.name(), "defined twice (in " + first.source()
                        + " and " + object.source() + "), the first one is used"));
            }
        }
        return unique;
    }

    private static MeshLookup lookup(Map<ObjectKey, Object> good) {
        Map<String, Service> services = new HashMap<>();
        Map<String, DestinationRuleConfig> rules = new HashMap<>();
        good.values().forEach(o -> {
            if (o instanceof Service s) {
                services.put(s.hostname(), s);
            } else if (o instanceof DestinationRuleConfig d) {
                rules.merge(d.host(), d, (a, b) -> (a.namespace() + "/" + a.name()).compareTo(
                        b.namespace() + "/" + b.name()) <= 0 ? a : b);
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

    private static MeshConfig build(long version, Map<ObjectKey, Object> good, List<ConfigError> errors) {
        MeshConfig.Builder b = MeshConfig.builder(version);
        good.values().forEach(o -> {
            switch (o) {
                case Service s -> b.service(s);
                case Workload w -> b.workload(w);
                case VirtualServiceConfig v -> b.virtualService(v);
                case DestinationRuleConfig d -> b.destinationRule(d);
                case PeerAuthenticationConfig p -> b.peerAuthentication(p);
                default -> throw new IllegalStateException("unexpected model object " + o.getClass());
            }
        });
        errors.forEach(b::error);
        return b.build();
    }

    private static boolean sameContent(MeshConfig a, MeshConfig b) {
        return a.services().equals(b.services()) && a.workloads().equals(b.workloads())
                && a.virtualServices().equals(b.virtualServices())
                && a.destinationRules().equals(b.destinationRules())
                && a.peerAuthentications().equals(b.peerAuthentications())
                && a.errors().equals(b.errors());
    }
}
