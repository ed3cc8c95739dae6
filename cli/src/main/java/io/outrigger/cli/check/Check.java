package io.outrigger.cli.check;

/**
 * One line of {@code outrigger check}: what was checked, the verdict, what was found and how to fix
 * it.
 */
public record Check(String name, Status status, String detail, String fix) {
  /** FAIL: host mode cannot work; WARN: it can, with a caveat. */
  public enum Status {
    OK,
    WARN,
    FAIL
  }

  static Check ok(String name, String detail) {
    return new Check(name, Status.OK, detail, "");
  }

  static Check warn(String name, String detail, String fix) {
    return new Check(name, Status.WARN, detail, fix);
  }

  static Check fail(String name, String detail, String fix) {
    return new Check(name, Status.FAIL, detail, fix);
  }

  /**
   * {@code FAIL cni-plugins bridge missing in /usr/lib/cni; fix: apt-get install
   * containernetworking-plugins}.
   */
  String line(int nameWidth) {
    return String.format(
        "%-4s  %-" + nameWidth + "s  %s%s",
        status,
        name,
        detail,
        fix.isEmpty() ? "" : "; fix: " + fix);
  }
}
