package io.outrigger.cni.kube;

import io.outrigger.cni.json.Json;
import java.io.IOException;
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

/** Reads one pod's annotations from the Kubernetes API (GET the pod), for runtimes that do not pass them. */
public final class PodAnnotationsClient {
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
      client = HttpClient.newBuilder()
          .connectTimeout(timeout)
          .sslContext(PemMaterial.sslContext(kubeconfig.caPem(), kubeconfig.clientCertPem(), kubeconfig.clientKeyPem()))
          .build();
    } catch (GeneralSecurityException e) {
      throw new PodLookupException("pod " + pod + ": kubeconfig credentials are unusable: " + e.getMessage(), e);
    }
    URI uri = URI.create(kubeconfig.server().replaceAll("/+$", "") + "/api/v1/namespaces/" + encode(namespace)
        + "/pods/" + encode(name));
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json");
    if (kubeconfig.token() != null) {
      request.header("Authorization", "Bearer " + kubeconfig.token());
    }
    HttpResponse<String> response;
    try {
      response = client.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new PodLookupException("pod " + pod + ": GET " + uri + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PodLookupException("pod " + pod + ": interrupted while reading it from the API server", e);
    }
    if (response.statusCode() != 200) {
      throw new PodLookupException("pod " + pod + ": GET " + uri + " answered HTTP " + response.statusCode(), null);
    }
    return parse(pod, response.body());
  }

  private static Map<String, String> parse(String pod, String body) throws PodLookupException {
    Map<String, String> out = new LinkedHashMap<>();
    try {
      Object metadata = Json.parseObject(body).get("metadata");
      if (metadata instanceof Map<?, ?> m && m.get("annotations") instanceof Map<?, ?> annotations) {
        annotations.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
      }
    } catch (RuntimeException e) {
      throw new PodLookupException("pod " + pod + ": the API server's answer is not a Pod: " + e.getMessage(), e);
    }
    return out;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
