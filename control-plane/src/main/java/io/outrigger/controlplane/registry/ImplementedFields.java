package io.outrigger.controlplane.registry;

import io.outrigger.controlplane.registry.convert.DestinationRuleConverter;
import io.outrigger.controlplane.registry.convert.VirtualServiceConverter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fields of a VirtualService and a DestinationRule the converters act on, and the ones they refuse;
 * any other field is accepted and silently has no effect (retries, mirror, connectionPool, exportTo...).
 * {@code outrigger analyze} warns about those. Keep it next to the converters: a converter that learns
 * a field lists it here (it sits one package up only because it names the kinds of {@link ConfigKinds}).
 */
public final class ImplementedFields {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Paths read by {@link VirtualServiceConverter} and {@code HttpMatchConverter}; a listed path covers its subtree. */
    private static final Set<String> VIRTUAL_SERVICE = Set.of(
            "spec.hosts", "spec.gateways", "spec.http[].name", "spec.http[].timeout",
            "spec.http[].match[].name", "spec.http[].match[].uri", "spec.http[].match[].headers",
            "spec.http[].match[].method",
            "spec.http[].route[].destination.host", "spec.http[].route[].destination.subset",
            "spec.http[].route[].destination.port.number", "spec.http[].route[].weight",
            // refused with an error by the converters, so not "ignored"
            "spec.http[].redirect", "spec.http[].directResponse", "spec.http[].delegate", "spec.http[].rewrite",
            "spec.http[].fault", "spec.http[].match[].queryParams", "spec.http[].match[].withoutHeaders",
            "spec.http[].match[].sourceLabels", "spec.http[].match[].sourceNamespace",
            "spec.http[].match[].authority", "spec.http[].match[].scheme", "spec.http[].match[].port",
            "spec.http[].match[].ignoreUriCase");

    /** Paths read by {@link DestinationRuleConverter}. */
    private static final Set<String> DESTINATION_RULE = Set.of(
            "spec.host", "spec.trafficPolicy.tls.mode", "spec.subsets[].name", "spec.subsets[].labels",
            "spec.subsets[].trafficPolicy.tls.mode");

    private static final Map<String, Set<String>> BY_KIND = Map.of(
            ConfigKinds.VIRTUAL_SERVICE.kind(), VIRTUAL_SERVICE, ConfigKinds.DESTINATION_RULE.kind(), DESTINATION_RULE);

    private ImplementedFields() {
    }

    /**
     * The fields of {@code resource} (a parsed fabric8 object of {@code kind}) that are set and that no
     * converter reads, as paths with indexes ({@code spec.http[0].retries}); empty for kinds read whole.
     */
    public static List<String> ignored(String kind, Object resource) {
        Set<String> known = BY_KIND.get(kind);
        if (known == null) {
            return List.of();
        }
        JsonNode tree = JSON.valueToTree(resource);
        List<String> out = new ArrayList<>();
        walk(tree.path("spec"), "spec", "spec", known, out);
        return out;
    }

    /** {@code pattern} is the path without indexes ("spec.http[].retries"), {@code path} with them. */
    private static void walk(JsonNode node, String pattern, String path, Set<String> known, List<String> out) {
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), pattern + "[]", path + "[" + i + "]", known, out);
            }
            return;
        }
        if (!node.isObject()) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String childPattern = pattern + "." + field.getKey();
            String childPath = path + "." + field.getKey();
            if (isUnset(field.getValue()) || known.contains(childPattern)) {
                continue;
            }
            if (known.stream().anyMatch(k -> k.startsWith(childPattern + ".") || k.startsWith(childPattern + "[]"))) {
                walk(field.getValue(), childPattern, childPath, known, out);
            } else {
                out.add(childPath);
            }
        }
    }

    private static boolean isUnset(JsonNode value) {
        return value.isNull() || value.isMissingNode() || (value.isContainerNode() && value.isEmpty());
    }
}
