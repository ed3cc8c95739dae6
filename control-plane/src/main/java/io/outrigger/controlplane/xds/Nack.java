package io.outrigger.controlplane.xds;

import java.time.Instant;

/** A rejection as the proxy reported it: the version it refused, why, and when. */
public record Nack(String version, String message, Instant at) {}
