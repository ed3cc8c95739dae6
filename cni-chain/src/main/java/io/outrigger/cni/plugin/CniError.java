package io.outrigger.cni.plugin;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A CNI error result (spec "Error"): the code, a message a person can act on, and details. Codes
 * 1-99 are the spec's well-known ones; 100+ are ours (documented in docs/cni.md).
 */
public final class CniError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public static final int INCOMPATIBLE_VERSION = 1;
  public static final int UNSUPPORTED_FIELD = 2;
  public static final int UNKNOWN_CONTAINER = 3;
  public static final int INVALID_ENV = 4;
  public static final int IO_FAILURE = 5;
  public static final int DECODE_FAILURE = 6;
  public static final int INVALID_CONFIG = 7;
  public static final int TRY_AGAIN = 11;

  /** Capture rules could not be written or removed in the pod netns. */
  public static final int CAPTURE_FAILED = 100;

  /** CHECK found the pod's capture rules missing or different. */
  public static final int CAPTURE_MISSING = 101;

  /** A pod annotation cannot be turned into rules. */
  public static final int INVALID_ANNOTATION = 102;

  /** The pod's annotations could not be read from the Kubernetes API. */
  public static final int POD_LOOKUP_FAILED = 103;

  private final int code;
  private final String details;

  public CniError(int code, String msg, String details) {
    super(msg);
    this.code = code;
    this.details = details == null ? "" : details;
  }

  public int code() {
    return code;
  }

  public String details() {
    return details;
  }

  public Map<String, Object> toJson(String cniVersion) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cniVersion", cniVersion);
    m.put("code", (long) code);
    m.put("msg", getMessage());
    if (!details.isEmpty()) {
      m.put("details", details);
    }
    return m;
  }
}
