package io.outrigger.certs.grpc;

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
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates every call from the Bearer token in its {@code authorization} metadata and puts
 * the caller's identity in the gRPC {@link Context} ({@link #CALLER}). A call without a valid token
 * is closed with UNAUTHENTICATED and the reason, before any handler runs. The CA service and the
 * control plane's ADS service (which binds each stream to {@code ns/sa} this way) share it, each
 * counting refusals in its own metrics. Tokens are never logged.
 */
public final class CallerAuthInterceptor implements ServerInterceptor {

  /** The authenticated caller of the current call. */
  public static final Context.Key<WorkloadIdentity> CALLER = Context.key("outrigger-caller");

  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BEARER = "bearer ";
  private static final Logger log = LoggerFactory.getLogger(CallerAuthInterceptor.class);

  private final CallerAuthenticator authenticator;
  private final Consumer<AuthenticationException> onRefused;

  /** @param onRefused told of every refused call, e.g. to count it by reason */
  public CallerAuthInterceptor(
      CallerAuthenticator authenticator, Consumer<AuthenticationException> onRefused) {
    this.authenticator = authenticator;
    this.onRefused = onRefused;
  }

  /** The identity authenticated for the current gRPC call, if it went through this interceptor. */
  public static Optional<WorkloadIdentity> current() {
    return Optional.ofNullable(CALLER.get());
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    WorkloadIdentity caller;
    try {
      caller = authenticator.authenticate(bearerToken(headers.get(AUTHORIZATION)));
    } catch (AuthenticationException e) {
      onRefused.accept(e);
      log.warn("event=caller_rejected method={} reason={} detail=\"{}\" peer={}", method,
          e.reason().label(), e.getMessage(),
          call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
      call.close(Status.UNAUTHENTICATED.withDescription(e.getMessage()), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    log.debug("event=caller_authenticated method={} caller={}", method, caller);
    return Contexts.interceptCall(Context.current().withValue(CALLER, caller), call, headers, next);
  }

  // A value without the Bearer scheme is treated as no token at all: never guess at other schemes.
  private static String bearerToken(String authorization) {
    if (authorization == null || authorization.length() <= BEARER.length()
        || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return null;
    }
    return authorization.substring(BEARER.length()).strip();
  }
}
