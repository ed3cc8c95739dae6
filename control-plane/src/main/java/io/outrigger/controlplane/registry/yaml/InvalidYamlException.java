package io.outrigger.controlplane.registry.yaml;

/** A file is not parseable YAML; the message names the file and, when known, the line. */
public final class InvalidYamlException extends Exception {
  InvalidYamlException(String message) {
    super(message);
  }
}
