package io.outrigger.controlplane.registry.convert;

import io.outrigger.controlplane.model.ConfigError;

/**
 * A config object cannot be used; the message is the reason, phrased for the user who wrote the
 * object.
 */
public final class InvalidConfigException extends Exception {
  private final ConfigError.Problem problem;

  public InvalidConfigException(String reason) {
    this(ConfigError.Problem.INVALID, reason);
  }

  public InvalidConfigException(ConfigError.Problem problem, String reason) {
    super(reason);
    this.problem = problem;
  }

  public ConfigError.Problem problem() {
    return problem;
  }
}
