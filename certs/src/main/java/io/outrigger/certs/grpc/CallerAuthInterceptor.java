package io.outrigger.certs.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.outrigger.certs.AuthenticatedCaller;
import io.outrigger.certs.AuthenticationException;
import io.outrigger.certs.BoundPod;
import io.outrigger.certs.CallerAuthenticator;
import io.outrigger.certs.WorkloadIdentity;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates every call from the Bearer token in its {@code authorization} metadata and puts the
 * caller's identity in the gRPC {@link Context} ({@link #CALLER}). A call without a valid token is
 * closed with UNAUTHENTICATED and the reason, before any handler runs; one whose token could not be
 * checked at all (the API server did not answer a TokenReview) with UNAVAILABLE, so it retries. The
 * CA service and the control plane's ADS service (which binds each stream to {@code ns/sa} this
 * way) share it, each counting refusals in its own metrics. Tokens are never logged.
 */
public final class CallerAuthInterceptor implements ServerInterceptor {

  /** The authenticated caller of the current call. */
  public static final Context.Key<WorkloadIdentity> CALLER = Context.key("outrigger-caller");

  /** The pod the current call's token is bound to; unset when the token is not pod-bound. */
  public static final Context.Key<BoundPod> CALLER_POD = Context.key("outrigger-caller-pod");

  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BEARER = "bearer ";
  private static final Logger log = LoggerFactory.getLogger(CallerAuthInterceptor.class);

  private final CallerAuthenticator authenticator;
  private final Consumer<AuthenticationException> onRefused;

  /**
   * @param onRefused told of every refused call, e.g. to count it by reason
   */
  public CallerAuthInterceptor(
      CallerAuthenticator authenticator, Consumer<AuthenticationException> onRefused) {
    this.authenticator = authenticator;
    this.onRefused = onRefused;
  }

  /** The identity authenticated for the current gRPC call, if it went through this interceptor. */
  public static Optional<WorkloadIdentity> current() {
    return Optional.ofNullable(CALLER.get());
  }

  /** The pod the current call's token is bound to, when the authenticator reported one. */
  public static Optional<BoundPod> currentPod() {
    return Optional.ofNullable(CALLER_POD.get());
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    AuthenticatedCaller caller;
    try {
      caller = authenticator.authenticateCaller(bearerToken(headers.get(AUTHORIZATION)));
    } catch (AuthenticationException e) {
      onRefused.accept(e);
      log.warn(
          "event=caller_rejected method={} reason={} detail=\"{}\" peer={}",
          method,
          e.reason().label(),
          e.getMessage(),
          call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
      // A review that could not be done is no verdict on the caller: it retries.
      Status status =
          e.reason() == AuthenticationException.Reason.REVIEW_UNAVAILABLE
              ? Status.UNAVAILABLE
              : Status.UNAUTHENTICATED;
      call.close(status.withDescription(e.getMessage()), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    log.debug(
        "event=caller_authenticated method={} caller={} pod={}",
        method,
        caller.identity(),
        caller.pod().map(BoundPod::name).orElse("-"));
    Context context =
        Context.current()
            .withValue(CALLER, caller.identity())
            .withValue(CALLER_POD, caller.pod().orElse(null));
    return Contexts.interceptCall(context, call, headers, next);
  }

  // A value without the Bearer scheme is treated as no token at all: never guess at other schemes.
  private static String bearerToken(String authorization) {
    if (authorization == null
        || authorization.length() <= BEARER.length()
        || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return null;
    }
    return authorization.substring(BEARER.length()).strip();
  }
}
