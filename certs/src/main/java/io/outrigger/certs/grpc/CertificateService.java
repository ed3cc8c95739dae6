package io.outrigger.certs.grpc;

import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.outrigger.certs.CaException;
import io.outrigger.certs.CallerAuthenticator;
import io.outrigger.certs.CsrRejectedException;
import io.outrigger.certs.MeshCa;
import io.outrigger.certs.WorkloadIdentity;
import io.outrigger.certs.grpc.proto.IstioCertificateRequest;
import io.outrigger.certs.grpc.proto.IstioCertificateResponse;
import io.outrigger.certs.grpc.proto.IstioCertificateServiceGrpc;
import io.outrigger.certs.x509.Pem;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Istio's {@code istio.v1.auth.IstioCertificateService/CreateCertificate}: signs the caller's CSR
 * and answers the leaf, its intermediates and the root, in that order. The caller comes from {@link
 * CallerAuthInterceptor}; bind this service through {@link #withAuthentication} (or add the
 * interceptor yourself), never bare.
 */
public final class CertificateService
    extends IstioCertificateServiceGrpc.IstioCertificateServiceImplBase {

  private static final Logger log = LoggerFactory.getLogger(CertificateService.class);

  private final Supplier<MeshCa> ca;

  /**
   * @param ca the current CA; a supplier so a root rotation takes effect without a restart
   */
  public CertificateService(Supplier<MeshCa> ca) {
    this.ca = ca;
  }

  /** This service behind a {@link CallerAuthInterceptor}: what a server should add. */
  public static ServerServiceDefinition withAuthentication(
      Supplier<MeshCa> ca, CallerAuthenticator authenticator) {
    return ServerInterceptors.intercept(
        new CertificateService(ca),
        new CallerAuthInterceptor(
            authenticator, e -> ca.get().metrics().rejected(e.reason().label())));
  }

  @Override
  public void createCertificate(
      IstioCertificateRequest request, StreamObserver<IstioCertificateResponse> response) {
    WorkloadIdentity caller = CallerAuthInterceptor.CALLER.get();
    if (caller == null) {
      response.onError(
          Status.UNAUTHENTICATED
              .withDescription(
                  "CreateCertificate: no authenticated caller (the service is bound without CallerAuthInterceptor)")
              .asRuntimeException());
      return;
    }
    if (request.getValidityDuration() < 0) {
      response.onError(
          Status.INVALID_ARGUMENT
              .withDescription(
                  "CreateCertificate for "
                      + caller
                      + ": validity_duration "
                      + request.getValidityDuration()
                      + " is negative")
              .asRuntimeException());
      return;
    }
    MeshCa current = ca.get();
    try {
      List<X509Certificate> chain =
          current.signCsrPem(
              request.getCsr(), caller, Duration.ofSeconds(request.getValidityDuration()));
      IstioCertificateResponse.Builder answer = IstioCertificateResponse.newBuilder();
      chain.forEach(c -> answer.addCertChain(Pem.certificate(c)));
      answer.addCertChain(Pem.certificate(current.signingRoot()));
      response.onNext(answer.build());
      response.onCompleted();
    } catch (CsrRejectedException e) {
      Status status =
          e.reason() == CsrRejectedException.Reason.IDENTITY_MISMATCH
              ? Status.PERMISSION_DENIED
              : Status.INVALID_ARGUMENT;
      response.onError(status.withDescription(e.getMessage()).asRuntimeException());
    } catch (CaException e) {
      log.warn("event=issuance_failed caller={} error={}", caller, e.getMessage());
      response.onError(Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException());
    }
  }
}
