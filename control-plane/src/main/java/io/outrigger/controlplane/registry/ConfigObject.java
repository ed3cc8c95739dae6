package io.outrigger.controlplane.registry;

/**
 * One config object as a registry read it: its identity, the parsed fabric8 object, and where it came from
 * (a file name, "kubernetes") for error messages.
 */
public record ConfigObject(ObjectKey key, Object resource, String source) {
}
