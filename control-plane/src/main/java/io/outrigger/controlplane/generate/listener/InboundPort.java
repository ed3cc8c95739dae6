package io.outrigger.controlplane.generate.listener;

import io.outrigger.controlplane.model.MtlsMode;
import io.outrigger.controlplane.model.Protocol;

/**
 * A port the local app serves for some service, with its protocol and the mTLS mode in force on it.
 */
public record InboundPort(int targetPort, Protocol protocol, MtlsMode mode) {}
