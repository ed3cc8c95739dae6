package io.outrigger.controlplane.analyze;

/**
 * One finding of {@code outrigger analyze} about one object: {@code kind} and {@code name} name it
 * (kind "File" and the file name when a whole file is unreadable), {@code source} is the file it
 * came from (empty when not known).
 */
public record Finding(
    FindingCode code, String kind, String namespace, String name, String message, String source) {
  /**
   * {@code Error [OR0101] VirtualService bookinfo/reviews: http[0].route[0]: host "x" is not a
   * service}.
   */
  public String line() {
    String object = namespace == null || namespace.isEmpty() ? name : namespace + "/" + name;
    return code.severity().label()
        + " ["
        + code.code()
        + "] "
        + kind
        + " "
        + object
        + ": "
        + message;
  }
}
