package io.outrigger.injector.webhook;

import io.outrigger.injector.inject.InjectorConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the webhook server runs.
 *
 * @param address where to listen; port 0 picks a free port (tests)
 * @param certFile PEM certificate chain, leaf first
 * @param keyFile PEM private key (PKCS#8, or PKCS#1 RSA)
 * @param certCheckInterval how often, at most, a handshake looks for changed certificate files
 * @param injector what to inject
 * @param maxBodyBytes larger requests get 413
 */
public record WebhookSettings(
    InetSocketAddress address,
    Path certFile,
    Path keyFile,
    Duration certCheckInterval,
    InjectorConfig injector,
    int maxBodyBytes) {

  public static final int DEFAULT_MAX_BODY = 10 * 1024 * 1024;

  public WebhookSettings {
    Objects.requireNonNull(address, "webhook listen address");
    Objects.requireNonNull(certFile, "webhook --tls-cert");
    Objects.requireNonNull(keyFile, "webhook --tls-key");
    Objects.requireNonNull(injector, "injector config");
    certCheckInterval = certCheckInterval == null ? Duration.ofSeconds(1) : certCheckInterval;
  }

  public static WebhookSettings of(
      InetSocketAddress address, Path certFile, Path keyFile, InjectorConfig injector) {
    return new WebhookSettings(address, certFile, keyFile, null, injector, DEFAULT_MAX_BODY);
  }
}
