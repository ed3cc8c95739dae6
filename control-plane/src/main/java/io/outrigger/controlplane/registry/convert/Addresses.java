package io.outrigger.controlplane.registry.convert;

import java.util.regex.Pattern;

/** Literal IP checks that never fall back to a DNS lookup (InetAddress.getByName would). */
final class Addresses {
  private static final Pattern IPV4 =
      Pattern.compile(
          "^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}$");
  private static final Pattern IPV6 = Pattern.compile("^[0-9a-fA-F:.]+$");

  private Addresses() {}

  static boolean isIpLiteral(String value) {
    return value != null
        && (IPV4.matcher(value).matches()
            || (value.contains(":") && IPV6.matcher(value).matches()));
  }
}
