package io.outrigger.controlplane.security;

import io.grpc.Context;
import io.outrigger.certs.WorkloadIdentity;
import java.util.Optional;

/** The identity the transport authenticated for the current gRPC call, if any. */
public final class CallerContext {
  static final Context.Key<WorkloadIdentity> CALLER = Context.key("outrigger-caller-identity");

  private CallerContext() {}

  public static Optional<WorkloadIdentity> current() {
    return Optional.ofNullable(CALLER.get());
  }
}
