package io.outrigger.cni.kube;

import io.outrigger.cni.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads one pod's annotations from the Kubernetes API (GET the pod), for runtimes that do not pass
 * them.
 */
public final class PodAnnotationsClient {
  /**
   * Largest answer read (docs/limits.md): a Pod is at most 1.5 MiB (etcd's limit); the plugin's
   * heap is 64 MiB.
   */
  static final int MAX_ANSWER_BYTES = 4 * 1024 * 1024;

  private final Kubeconfig kubeconfig;
  private final Duration timeout;

  public PodAnnotationsClient(Kubeconfig kubeconfig, Duration timeout) {
    this.kubeconfig = kubeconfig;
    this.timeout = timeout;
  }

  public Map<String, String> annotations(String namespace, String name) throws PodLookupException {
    String pod = namespace + "/" + name;
    HttpClient client;
    try {
      client =
          HttpClient.newBuilder()
              .connectTimeout(timeout)
              .sslContext(
                  PemMaterial.sslContext(
                      kubeconfig.caPem(), kubeconfig.clientCertPem(), kubeconfig.clientKeyPem()))
              .build();
    } catch (GeneralSecurityException e) {
      throw new PodLookupException(
          "pod " + pod + ": kubeconfig credentials are unusable: " + e.getMessage(), e);
    }
    URI uri =
        URI.create(
            kubeconfig.server().replaceAll("/+$", "")
                + "/api/v1/namespaces/"
                + encode(namespace)
                + "/pods/"
                + encode(name));
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json");
    if (kubeconfig.token() != null) {
      request.header("Authorization", "Bearer " + kubeconfig.token());
    }
    HttpResponse<InputStream> response;
    String body;
    try {
      response = client.send(request.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = response.body()) {
        byte[] bytes = in.readNBytes(MAX_ANSWER_BYTES + 1);
        if (bytes.length > MAX_ANSWER_BYTES) {
          throw new PodLookupException(
              "pod "
                  + pod
                  + ": the API server's answer is larger than the limit of "
                  + MAX_ANSWER_BYTES
                  + " bytes",
              null);
        }
        body = new String(bytes, StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new PodLookupException("pod " + pod + ": GET " + uri + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PodLookupException(
          "pod " + pod + ": interrupted while reading it from the API server", e);
    }
    if (response.statusCode() != 200) {
      throw new PodLookupException(
          "pod " + pod + ": GET " + uri + " answered HTTP " + response.statusCode(), null);
    }
    return parse(pod, body);
  }

  private static Map<String, String> parse(String pod, String body) throws PodLookupException {
    Map<String, String> out = new LinkedHashMap<>();
    try {
      Object metadata = Json.parseObject(body).get("metadata");
      if (metadata instanceof Map<?, ?> m
          && m.get("annotations") instanceof Map<?, ?> annotations) {
        annotations.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
      }
    } catch (RuntimeException e) {
      throw new PodLookupException(
          "pod " + pod + ": the API server's answer is not a Pod: " + e.getMessage(), e);
    }
    return out;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
