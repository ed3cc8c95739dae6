package io.outrigger.controlplane.model;

/**
 * Why a config object (or a whole file) was rejected. {@code kind} is the object's kind, or "File" when
 * the file could not be read at all (then {@code name} is the file).
 */
public record ConfigError(String kind, String namespace, String name, String reason) {
    /** "VirtualService default/reviews: route weights sum to 90, must be 100". */
    public String message() {
        String object = namespace == null || namespace.isEmpty() ? name : namespace + "/" + name;
        return kind + " " + object + ": " + reason;
    }
}
