package io.outrigger.injector.inject;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.Locale;

/**
 * Whether the sidecar is a native sidecar (an init container with {@code restartPolicy: Always}).
 */
public enum NativeSidecarMode {
  /** Native when the API server is 1.29 or newer (native sidecars are on by default from 1.29). */
  AUTO,
  ON,
  OFF;

  @JsonCreator
  public static NativeSidecarMode parse(String value) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "native sidecar mode '" + value + "': expected auto, on or off", e);
    }
  }
}
