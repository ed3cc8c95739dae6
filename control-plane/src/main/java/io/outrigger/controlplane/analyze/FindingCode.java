package io.outrigger.controlplane.analyze;

import io.outrigger.controlplane.model.ConfigError;

/**
 * The stable codes of {@code outrigger analyze}, as Istio's IST0101 are: a script may match on
 * them, so a code never changes meaning. OR00xx: the object cannot be read; OR01xx: references and
 * routing; OR02xx: selectors; OR03xx: configuration that has no effect here.
 */
public enum FindingCode {
  UNPARSEABLE(
      "OR0001",
      Severity.ERROR,
      "not readable: not YAML, not a mapping, or without apiVersion, kind or name"),
  DUPLICATE(
      "OR0002", Severity.ERROR, "the same kind, namespace and name twice; the first one is used"),
  INVALID("OR0003", Severity.ERROR, "the control plane rejects the object"),
  UNKNOWN_HOST("OR0101", Severity.ERROR, "a route's destination host is not a service"),
  UNKNOWN_SUBSET(
      "OR0102", Severity.ERROR, "a route's subset is not defined by the host's DestinationRule"),
  UNKNOWN_PORT(
      "OR0103",
      Severity.ERROR,
      "a route's port is not a port of the service, or is needed and missing"),
  WEIGHTS("OR0104", Severity.ERROR, "route weights do not sum to 100"),
  UNSUPPORTED("OR0105", Severity.ERROR, "a field, value or apiVersion the control plane refuses"),
  CONFLICTING_VIRTUAL_SERVICES(
      "OR0106", Severity.WARNING, "two VirtualServices for one host; only the first applies"),
  DESTINATION_RULE_HOST_UNKNOWN(
      "OR0107", Severity.WARNING, "a DestinationRule's host is not a service"),
  CONFLICTING_DESTINATION_RULES(
      "OR0108", Severity.WARNING, "two DestinationRules for one host; only the first applies"),
  SERVICE_SELECTS_NOTHING("OR0201", Severity.WARNING, "a Service's selector matches no workload"),
  SUBSET_SELECTS_NOTHING(
      "OR0202", Severity.WARNING, "a DestinationRule subset matches no workload of its host"),
  POLICY_SELECTS_NOTHING(
      "OR0203", Severity.WARNING, "a PeerAuthentication's workload selector matches nothing"),
  /**
   * No longer reported: the control plane refuses such fields (OR0105). Kept so the code is never
   * reused.
   */
  FIELD_IGNORED(
      "OR0301",
      Severity.WARNING,
      "a field the control plane does not implement: accepted, no effect"),
  KIND_IGNORED(
      "OR0302", Severity.WARNING, "an Istio kind the control plane does not implement: ignored"),
  GATEWAY_ONLY(
      "OR0303", Severity.INFO, "a VirtualService bound to gateways only: sidecars do not use it");

  /**
   * Error: the control plane rejects it; Warning: accepted but not what the author meant; Info:
   * worth knowing.
   */
  public enum Severity {
    ERROR("Error"),
    WARNING("Warning"),
    INFO("Info");

    private final String label;

    Severity(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  private final String code;
  private final Severity severity;
  private final String summary;

  FindingCode(String code, Severity severity, String summary) {
    this.code = code;
    this.severity = severity;
    this.summary = summary;
  }

  public String code() {
    return code;
  }

  public Severity severity() {
    return severity;
  }

  public String summary() {
    return summary;
  }

  /**
   * The code of a rejection the control plane itself made: the two can never disagree on what is an
   * error.
   */
  static FindingCode of(ConfigError.Problem problem) {
    return switch (problem) {
      case UNPARSEABLE -> UNPARSEABLE;
      case DUPLICATE -> DUPLICATE;
      case UNKNOWN_HOST -> UNKNOWN_HOST;
      case UNKNOWN_SUBSET -> UNKNOWN_SUBSET;
      case UNKNOWN_PORT -> UNKNOWN_PORT;
      case WEIGHTS -> WEIGHTS;
      case UNSUPPORTED -> UNSUPPORTED;
      case INVALID -> INVALID;
    };
  }
}
