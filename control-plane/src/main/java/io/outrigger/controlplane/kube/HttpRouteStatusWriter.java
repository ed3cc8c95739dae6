package io.outrigger.controlplane.kube;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReferenceBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.model.HttpRouteConfig;
import io.outrigger.controlplane.model.HttpRouteConfig.ParentStatus;
import io.outrigger.controlplane.registry.convert.HttpRouteConverter;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the status of the HTTPRoutes bound to the mesh: one {@code status.parents[]} entry per
 * Service parentRef, with {@code controllerName} {@value HttpRouteConverter#CONTROLLER_NAME} and
 * the conditions Accepted and ResolvedRefs as the converter computed them for the route's current
 * generation. A route the registry refused (an unimplemented field, a malformed value) is written
 * Accepted False with reason UnsupportedValue and the refusal as its message. Entries of other
 * controllers are kept; a condition whose status and reason did not change keeps its
 * lastTransitionTime; nothing is written when nothing changed. Through the status subresource, by
 * the leader only; a route that is not in the API server (a file-registry object) is skipped.
 */
public final class HttpRouteStatusWriter implements LeaderGatedTask {
  private static final Logger log = LoggerFactory.getLogger(HttpRouteStatusWriter.class);

  private final KubernetesClient client;
  private final Clock clock;
  private volatile List<HttpRouteConfig> routes = List.of();
  private volatile List<ConfigError> refused = List.of();

  /** What was last written (or found already right) per namespace/name, to skip a GET. */
  private final Map<String, Object> written = new HashMap<>();

  private final LeaderWriter writer = new LeaderWriter("outrigger-httproute-status");

  public HttpRouteStatusWriter(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  @Override
  public String name() {
    return "httproute-status";
  }

  /** The routes in force and the refused ones, every snapshot; written when leading. */
  public synchronized void meshChanged(List<HttpRouteConfig> routes, List<ConfigError> errors) {
    this.routes = List.copyOf(routes);
    this.refused = errors.stream().filter(e -> e.kind().equals("HTTPRoute")).toList();
    syncLater();
  }

  @Override
  public synchronized void startLeading() {
    written.clear();
    writer.start();
    syncLater();
  }

  @Override
  public synchronized void stopLeading() {
    writer.stop();
  }

  private void syncLater() {
    writer.submit(this::sync);
  }

  private void sync() {
    List<ConfigError> errors = refused;
    for (ConfigError error : errors) {
      String key = error.namespace() + "/" + error.name();
      if (!error.equals(written.get(key))) {
        write(error.namespace(), error.name(), 0, null, error);
        written.put(key, error);
      }
    }
    for (HttpRouteConfig route : routes) {
      String key = route.namespace() + "/" + route.name();
      if (errors.stream()
          .anyMatch(
              e -> e.namespace().equals(route.namespace()) && e.name().equals(route.name()))) {
        continue; // its last good version is in force, but the status is about the refused one
      }
      if (!route.equals(written.get(key))) {
        if (write(route.namespace(), route.name(), route.generation(), route.parents(), null)) {
          written.put(key, route);
        }
      }
    }
  }

  /**
   * @return false when it should be tried again on the next snapshot (a conflict, an API error)
   */
  private boolean write(
      String namespace,
      String name,
      long generation,
      List<ParentStatus> parents,
      ConfigError error) {
    try {
      var resource = client.resources(HTTPRoute.class).inNamespace(namespace).withName(name);
      HTTPRoute current = resource.get();
      if (current == null) {
        return true;
      }
      long currentGeneration =
          current.getMetadata().getGeneration() == null ? 0 : current.getMetadata().getGeneration();
      if (error == null && generation != currentGeneration) {
        return false; // a newer version is on its way to the registry
      }
      List<RouteParentStatus> ours =
          error == null
              ? parents.stream().map(p -> parentStatus(p, currentGeneration)).toList()
              : refusedStatus(current, error, currentGeneration);
      List<RouteParentStatus> before =
          current.getStatus() == null || current.getStatus().getParents() == null
              ? List.of()
              : current.getStatus().getParents();
      List<RouteParentStatus> next = new ArrayList<>();
      for (RouteParentStatus p : before) {
        if (!HttpRouteConverter.CONTROLLER_NAME.equals(p.getControllerName())) {
          next.add(p);
        }
      }
      for (RouteParentStatus p : ours) {
        next.add(keepTransitionTimes(p, before));
      }
      if (next.equals(before)) {
        return true;
      }
      current.setStatus(new HTTPRouteStatus(next));
      resource.updateStatus(current);
      log.info(
          "event=httproute_status_written route={}/{} generation={} parents={}",
          namespace,
          name,
          currentGeneration,
          ours.size());
      return true;
    } catch (KubernetesClientException e) {
      log.warn(
          "event=httproute_status_failed route={}/{} code={} error=\"{}\"",
          namespace,
          name,
          e.getCode(),
          e.getMessage());
      return false;
    }
  }

  private List<RouteParentStatus> refusedStatus(
      HTTPRoute current, ConfigError error, long generation) {
    List<RouteParentStatus> out = new ArrayList<>();
    if (current.getSpec() == null || current.getSpec().getParentRefs() == null) {
      return out;
    }
    for (ParentReference ref : current.getSpec().getParentRefs()) {
      if (!"Service".equals(ref.getKind())
          || (ref.getGroup() != null && !ref.getGroup().isEmpty())) {
        continue;
      }
      String ns =
          ref.getNamespace() == null || ref.getNamespace().isEmpty()
              ? current.getMetadata().getNamespace()
              : ref.getNamespace();
      out.add(
          parentStatus(
              new ParentStatus(
                  "",
                  "Service",
                  ns,
                  ref.getName(),
                  ref.getPort() == null ? 0 : ref.getPort(),
                  List.of(
                      new HttpRouteConfig.Condition(
                          "Accepted", false, "UnsupportedValue", error.message()))),
              generation));
    }
    return out;
  }

  private RouteParentStatus parentStatus(ParentStatus p, long generation) {
    ParentReferenceBuilder ref =
        new ParentReferenceBuilder()
            .withGroup(p.group())
            .withKind(p.kind())
            .withNamespace(p.namespace())
            .withName(p.name());
    if (p.port() > 0) {
      ref.withPort(p.port());
    }
    String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    List<Condition> conditions =
        p.conditions().stream()
            .map(
                c ->
                    new ConditionBuilder()
                        .withType(c.type())
                        .withStatus(c.status() ? "True" : "False")
                        .withReason(c.reason())
                        .withMessage(truncate(c.message()))
                        .withObservedGeneration(generation)
                        .withLastTransitionTime(now)
                        .build())
            .toList();
    return new RouteParentStatusBuilder()
        .withControllerName(HttpRouteConverter.CONTROLLER_NAME)
        .withParentRef(ref.build())
        .withConditions(conditions)
        .build();
  }

  /** A condition whose status and reason are unchanged keeps the time it last changed. */
  private static RouteParentStatus keepTransitionTimes(
      RouteParentStatus ours, List<RouteParentStatus> before) {
    Optional<RouteParentStatus> previous =
        before.stream()
            .filter(b -> HttpRouteConverter.CONTROLLER_NAME.equals(b.getControllerName()))
            .filter(b -> sameParent(b.getParentRef(), ours.getParentRef()))
            .findFirst();
    if (previous.isEmpty() || previous.get().getConditions() == null) {
      return ours;
    }
    List<Condition> kept = new ArrayList<>();
    for (Condition c : ours.getConditions()) {
      Condition old =
          previous.get().getConditions().stream()
              .filter(o -> Objects.equals(o.getType(), c.getType()))
              .findFirst()
              .orElse(null);
      if (old != null
          && Objects.equals(old.getStatus(), c.getStatus())
          && Objects.equals(old.getReason(), c.getReason())) {
        kept.add(
            new ConditionBuilder(c).withLastTransitionTime(old.getLastTransitionTime()).build());
      } else {
        kept.add(c);
      }
    }
    return new RouteParentStatusBuilder(ours).withConditions(kept).build();
  }

  private static boolean sameParent(ParentReference a, ParentReference b) {
    return a != null
        && b != null
        && Objects.equals(a.getKind(), b.getKind())
        && Objects.equals(a.getName(), b.getName())
        && Objects.equals(a.getNamespace(), b.getNamespace())
        && Objects.equals(a.getPort(), b.getPort());
  }

  /** The API server caps a condition message at 32768 characters. */
  private static String truncate(String message) {
    return message.length() <= 32_000 ? message : message.substring(0, 32_000) + "...";
  }
}
