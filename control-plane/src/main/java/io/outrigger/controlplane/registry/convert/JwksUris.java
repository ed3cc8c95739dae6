package io.outrigger.controlplane.registry.convert;

import io.outrigger.controlplane.model.Hostnames;
import io.outrigger.controlplane.model.RequestAuthenticationConfig.RemoteJwks;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;

/**
 * A RequestAuthentication's {@code jwksUri}: an http or https URL the sidecar fetches the key set
 * from. A host written as a service name ({@code name.ns.svc}, {@code name.ns.svc.cluster.local})
 * is the mesh service; any other name or address is fetched as written.
 */
final class JwksUris {
  /** Istio's default for {@code timeout}: how long one fetch of the key set may take. */
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  private static final Duration MAX_TIMEOUT = Duration.ofMinutes(1);

  private JwksUris() {}

  static RemoteJwks parse(String written, String timeout, String path, String namespace)
      throws InvalidConfigException {
    String at = path + ".jwksUri";
    URI uri;
    try {
      uri = new URI(written.trim());
    } catch (URISyntaxException e) {
      throw new InvalidConfigException(at + ": \"" + written + "\" is not a URL: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new InvalidConfigException(at + ": \"" + written + "\" is not an http or https URL");
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw new InvalidConfigException(at + ": \"" + written + "\" has no host");
    }
    if (uri.getUserInfo() != null) {
      throw new InvalidConfigException(at + ": credentials in the URL are not supported");
    }
    boolean tls = scheme.equals("https");
    int port = uri.getPort() == -1 ? (tls ? 443 : 80) : uri.getPort();
    host = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    boolean serviceName = host.endsWith(".svc") || host.endsWith(".svc." + Hostnames.DOMAIN_SUFFIX);
    Duration fetchTimeout =
        timeout == null ? DEFAULT_TIMEOUT : IstioDurations.parse(timeout, path + ".timeout");
    if (fetchTimeout.isZero() || fetchTimeout.compareTo(MAX_TIMEOUT) > 0) {
      throw new InvalidConfigException(
          path + ".timeout: " + timeout + " is not between 0 and " + MAX_TIMEOUT.toSeconds() + "s");
    }
    return new RemoteJwks(
        uri.toString(),
        serviceName ? Hostnames.resolve(host, namespace) : host.toLowerCase(Locale.ROOT),
        port,
        tls,
        fetchTimeout);
  }
}
