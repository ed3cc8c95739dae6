package io.outrigger.controlplane.security;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.outrigger.certs.AuthenticationException;
import io.outrigger.certs.CallerAuthenticator;
import io.outrigger.certs.WorkloadIdentity;
import io.outrigger.controlplane.xds.XdsMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates every call on the TLS port from its {@code authorization: Bearer <token>} header and
 * binds the proven {@code ns/sa} to the call's context. A call without a valid token is closed
 * UNAUTHENTICATED before the service sees a single message. Tokens are never logged.
 */
public final class BearerTokenInterceptor implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger(BearerTokenInterceptor.class);
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final CallerAuthenticator authenticator;
  private final XdsMetrics metrics;

  public BearerTokenInterceptor(CallerAuthenticator authenticator, XdsMetrics metrics) {
    this.authenticator = authenticator;
    this.metrics = metrics;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    try {
      WorkloadIdentity caller = authenticator.authenticate(bearer(headers.get(AUTHORIZATION)));
      Context context = Context.current().withValue(CallerContext.CALLER, caller);
      return Contexts.interceptCall(context, call, headers, next);
    } catch (AuthenticationException e) {
      log.warn("event=xds_unauthenticated method={} reason={} detail=\"{}\" peer={}",
          method, e.reason().label(), e.getMessage(),
          call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
      metrics.refused(Status.Code.UNAUTHENTICATED.name());
      call.close(Status.UNAUTHENTICATED.withDescription(e.getMessage()), new Metadata());
      return new ServerCall.Listener<>() {};
    }
  }

  private static String bearer(String header) {
    if (header == null) {
      return null;
    }
    String trimmed = header.trim();
    return trimmed.regionMatches(true, 0, "Bearer ", 0, 7) ? trimmed.substring(7).trim() : trimmed;
  }
}
