package io.outrigger.certs.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outrigger.certs.CaSettings;
import io.outrigger.certs.MeshCa;
import io.outrigger.certs.WorkloadIdentity;
import io.outrigger.certs.grpc.proto.IstioCertificateRequest;
import io.outrigger.certs.grpc.proto.IstioCertificateResponse;
import io.outrigger.testsupport.FuzzRuns;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;

/**
 * Fuzzes what the CA reads from a caller: the CreateCertificate message as bytes on the wire
 * (protobuf) and the PEM CSR in it, against a real CA, as an authenticated caller (default/fuzz).
 * An even first byte makes the rest the serialized request; otherwise the rest is the CSR text with
 * a fixed validity. The CA must answer with a certificate chain or with INVALID_ARGUMENT /
 * PERMISSION_DENIED naming the reason; an exception escaping the service, INTERNAL or any other
 * status is a finding. An unparseable message is the documented InvalidProtocolBufferException
 * (gRPC refuses it before the service runs).
 */
class CaRequestFuzzTest {
  private static final FuzzRuns RUNS =
      new FuzzRuns("ca-create-certificate", InvalidProtocolBufferException.class);
  private static final WorkloadIdentity CALLER = new WorkloadIdentity("default", "fuzz");
  private static final Set<Status.Code> REFUSALS =
      Set.of(Status.Code.INVALID_ARGUMENT, Status.Code.PERMISSION_DENIED);
  private static final CertificateService SERVICE;

  static {
    try {
      Path dir = Files.createTempDirectory("outrigger-fuzz-ca-");
      dir.toFile().deleteOnExit();
      MeshCa ca = MeshCa.loadOrInit(dir, CaSettings.defaults(), new SimpleMeterRegistry());
      SERVICE = new CertificateService(() -> ca);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @FuzzTest(maxDuration = "5s")
  @DictionaryEntries({
    "-----BEGIN CERTIFICATE REQUEST-----",
    "-----END CERTIFICATE REQUEST-----",
    "spiffe://cluster.local/ns/default/sa/fuzz",
    "spiffe://cluster.local/ns/other/sa/db"
  })
  void everyRequestGetsAChainOrANamedRefusal(byte[] input) throws Exception {
    RUNS.run(
        () -> {
          IstioCertificateRequest request;
          if (input.length > 0 && input[0] % 2 == 0) {
            request =
                IstioCertificateRequest.parseFrom(
                    java.util.Arrays.copyOfRange(input, 1, input.length));
          } else {
            String csr = new String(input, StandardCharsets.UTF_8);
            request =
                IstioCertificateRequest.newBuilder()
                    .setCsr(csr.isEmpty() ? csr : csr.substring(1))
                    .setValidityDuration(3600)
                    .build();
          }
          Answer answer = new Answer();
          Context.current()
              .withValue(CallerAuthInterceptor.CALLER, CALLER)
              .run(() -> SERVICE.createCertificate(request, answer));
          if (answer.error != null) {
            Status status = Status.fromThrowable(answer.error);
            assertThat(REFUSALS).as("status %s", status).contains(status.getCode());
            assertThat(status.getDescription()).isNotBlank();
          } else {
            assertThat(answer.completed).isTrue();
            assertThat(answer.response.getCertChainCount()).isGreaterThanOrEqualTo(2);
          }
        });
  }

  private static final class Answer implements StreamObserver<IstioCertificateResponse> {
    IstioCertificateResponse response;
    Throwable error;
    boolean completed;

    @Override
    public void onNext(IstioCertificateResponse value) {
      response = value;
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {
      completed = true;
    }
  }

  @AfterAll
  static void finish() {
    RUNS.finish();
  }
}
