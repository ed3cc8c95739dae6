package io.outrigger.controlplane.registry.convert;

import io.fabric8.istio.api.api.networking.v1alpha3.ConnectionPoolSettings;
import io.fabric8.istio.api.api.networking.v1alpha3.LoadBalancerSettings;
import io.fabric8.istio.api.api.networking.v1alpha3.LoadBalancerSettingsConsistentHash;
import io.fabric8.istio.api.api.networking.v1alpha3.LoadBalancerSettingsConsistentHashLBHttpCookie;
import io.fabric8.istio.api.api.networking.v1alpha3.LoadBalancerSettingsConsistentHashLBHttpHeaderName;
import io.fabric8.istio.api.api.networking.v1alpha3.LoadBalancerSettingsConsistentHashLBHttpQueryParameterName;
import io.fabric8.istio.api.api.networking.v1alpha3.LoadBalancerSettingsConsistentHashLBUseSourceIp;
import io.fabric8.istio.api.api.networking.v1alpha3.LoadBalancerSettingsSimple;
import io.fabric8.istio.api.api.networking.v1alpha3.OutlierDetection;
import io.fabric8.istio.api.api.networking.v1alpha3.TrafficPolicyPortTrafficPolicy;
import io.outrigger.controlplane.model.ConfigError.Problem;
import io.outrigger.controlplane.model.PortedPolicy;
import io.outrigger.controlplane.model.TrafficPolicy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * DestinationRule trafficPolicy (connectionPool, outlierDetection, loadBalancer, portLevelSettings)
 * to the model.
 */
final class TrafficPolicyConverter {
  private TrafficPolicyConverter() {}

  static PortedPolicy convert(
      io.fabric8.istio.api.api.networking.v1alpha3.TrafficPolicy policy, String where)
      throws InvalidConfigException {
    if (policy == null) {
      return PortedPolicy.NONE;
    }
    TrafficPolicy general =
        new TrafficPolicy(
            connectionPool(policy.getConnectionPool(), where + ".connectionPool"),
            outlier(policy.getOutlierDetection(), where + ".outlierDetection"),
            loadBalancer(policy.getLoadBalancer(), where + ".loadBalancer"));
    Map<Integer, TrafficPolicy> ports = new LinkedHashMap<>();
    List<TrafficPolicyPortTrafficPolicy> specPorts =
        policy.getPortLevelSettings() == null ? List.of() : policy.getPortLevelSettings();
    for (int i = 0; i < specPorts.size(); i++) {
      TrafficPolicyPortTrafficPolicy p = specPorts.get(i);
      String at = where + ".portLevelSettings[" + i + "]";
      if (p.getPort() == null || p.getPort().getNumber() == null) {
        throw new InvalidConfigException(at + ".port.number is missing");
      }
      int number = p.getPort().getNumber().intValue();
      if (ports.containsKey(number)) {
        throw new InvalidConfigException(at + ": port " + number + " has settings twice");
      }
      ports.put(
          number,
          new TrafficPolicy(
              connectionPool(p.getConnectionPool(), at + ".connectionPool"),
              outlier(p.getOutlierDetection(), at + ".outlierDetection"),
              loadBalancer(p.getLoadBalancer(), at + ".loadBalancer")));
    }
    return new PortedPolicy(general, ports);
  }

  static Optional<TrafficPolicy.ConnectionPool> connectionPool(
      ConnectionPoolSettings pool, String where) throws InvalidConfigException {
    if (pool == null || (pool.getTcp() == null && pool.getHttp() == null)) {
      return Optional.empty();
    }
    var tcp = pool.getTcp();
    var http = pool.getHttp();
    return Optional.of(
        new TrafficPolicy.ConnectionPool(
            positive(tcp == null ? null : tcp.getMaxConnections(), where + ".tcp.maxConnections"),
            duration(tcp == null ? null : tcp.getConnectTimeout(), where + ".tcp.connectTimeout"),
            positive(
                http == null ? null : http.getHttp1MaxPendingRequests(),
                where + ".http.http1MaxPendingRequests"),
            positive(
                http == null ? null : http.getHttp2MaxRequests(), where + ".http.http2MaxRequests"),
            positive(
                http == null ? null : http.getMaxRequestsPerConnection(),
                where + ".http.maxRequestsPerConnection"),
            positive(http == null ? null : http.getMaxRetries(), where + ".http.maxRetries"),
            duration(http == null ? null : http.getIdleTimeout(), where + ".http.idleTimeout")));
  }

  private static Optional<TrafficPolicy.OutlierDetection> outlier(OutlierDetection o, String where)
      throws InvalidConfigException {
    if (o == null) {
      return Optional.empty();
    }
    Integer maxEjection = o.getMaxEjectionPercent();
    if (maxEjection != null && (maxEjection < 0 || maxEjection > 100)) {
      throw new InvalidConfigException(
          where + ".maxEjectionPercent: " + maxEjection + " is not in 0..100");
    }
    Integer minHealth = o.getMinHealthPercent();
    if (minHealth != null && (minHealth < 0 || minHealth > 100)) {
      throw new InvalidConfigException(
          where + ".minHealthPercent: " + minHealth + " is not in 0..100");
    }
    return Optional.of(
        new TrafficPolicy.OutlierDetection(
            nonNegative(o.getConsecutive5xxErrors(), where + ".consecutive5xxErrors"),
            nonNegative(o.getConsecutiveGatewayErrors(), where + ".consecutiveGatewayErrors"),
            duration(o.getInterval(), where + ".interval"),
            duration(o.getBaseEjectionTime(), where + ".baseEjectionTime"),
            maxEjection,
            minHealth));
  }

  private static Optional<TrafficPolicy.LoadBalancer> loadBalancer(
      LoadBalancerSettings lb, String where) throws InvalidConfigException {
    if (lb == null || lb.getLbPolicy() == null) {
      return Optional.empty();
    }
    if (lb.getLbPolicy() instanceof LoadBalancerSettingsSimple simple) {
      if (simple.getSimple() == null) {
        return Optional.empty();
      }
      TrafficPolicy.Simple mode =
          switch (simple.getSimple().name()) {
            case "UNSPECIFIED", "ROUND_ROBIN" -> TrafficPolicy.Simple.ROUND_ROBIN;
            case "LEAST_REQUEST", "LEAST_CONN" -> TrafficPolicy.Simple.LEAST_REQUEST;
            case "RANDOM" -> TrafficPolicy.Simple.RANDOM;
            default ->
                throw new InvalidConfigException(
                    Problem.UNSUPPORTED,
                    where
                        + ".simple "
                        + simple.getSimple()
                        + " is not supported (use ROUND_ROBIN, LEAST_REQUEST or RANDOM)");
          };
      return Optional.of(new TrafficPolicy.LoadBalancer(mode, null, 0));
    }
    var hash = ((LoadBalancerSettingsConsistentHash) lb.getLbPolicy()).getConsistentHash();
    if (hash == null || hash.getHashKey() == null) {
      throw new InvalidConfigException(
          where
              + ".consistentHash needs a key (httpHeaderName, httpCookie, "
              + "useSourceIp or httpQueryParameterName)");
    }
    TrafficPolicy.HashKey key =
        switch (hash.getHashKey()) {
          case LoadBalancerSettingsConsistentHashLBHttpHeaderName h
              when nonBlank(h.getHttpHeaderName()) ->
              new TrafficPolicy.HashKey(
                  h.getHttpHeaderName().toLowerCase(Locale.ROOT), "", null, "", false, "");
          case LoadBalancerSettingsConsistentHashLBHttpCookie c
              when c.getHttpCookie() != null && nonBlank(c.getHttpCookie().getName()) ->
              new TrafficPolicy.HashKey(
                  "",
                  c.getHttpCookie().getName(),
                  duration(c.getHttpCookie().getTtl(), where + ".consistentHash.httpCookie.ttl"),
                  c.getHttpCookie().getPath() == null ? "" : c.getHttpCookie().getPath(),
                  false,
                  "");
          case LoadBalancerSettingsConsistentHashLBUseSourceIp ip
              when Boolean.TRUE.equals(ip.getUseSourceIp()) ->
              new TrafficPolicy.HashKey("", "", null, "", true, "");
          case LoadBalancerSettingsConsistentHashLBHttpQueryParameterName q
              when nonBlank(q.getHttpQueryParameterName()) ->
              new TrafficPolicy.HashKey("", "", null, "", false, q.getHttpQueryParameterName());
          default ->
              throw new InvalidConfigException(where + ".consistentHash: the hash key is empty");
        };
    long ringSize = hash.getMinimumRingSize() == null ? 0 : hash.getMinimumRingSize();
    if (ringSize < 0) {
      throw new InvalidConfigException(
          where + ".consistentHash.minimumRingSize: " + ringSize + " is negative");
    }
    return Optional.of(new TrafficPolicy.LoadBalancer(null, key, ringSize));
  }

  private static boolean nonBlank(String s) {
    return s != null && !s.isBlank();
  }

  private static Integer positive(Integer value, String where) throws InvalidConfigException {
    if (value != null && value < 1) {
      throw new InvalidConfigException(where + ": " + value + " must be at least 1");
    }
    return value;
  }

  private static Integer nonNegative(Integer value, String where) throws InvalidConfigException {
    if (value != null && value < 0) {
      throw new InvalidConfigException(where + ": " + value + " is negative");
    }
    return value;
  }

  private static Duration duration(String value, String where) throws InvalidConfigException {
    Duration d = IstioDurations.parse(value, where);
    return d.isZero() ? null : d;
  }
}
