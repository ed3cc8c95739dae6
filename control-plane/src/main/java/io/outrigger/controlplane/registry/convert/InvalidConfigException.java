package io.outrigger.controlplane.registry.convert;

/** A config object cannot be used; the message is the reason, phrased for the user who wrote the object. */
public final class InvalidConfigException extends Exception {
    public InvalidConfigException(String reason) {
        super(reason);
    }
}
