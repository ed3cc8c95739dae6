package io.outrigger.controlplane.model;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * An IP prefix such as {@code 198.19.0.0/16} (a bare address is its own /32 or /128). Built from
 * literal addresses only: parsing never looks a name up.
 */
public record Cidr(String address, int prefixLength) {
  private static final Pattern IPV4 =
      Pattern.compile(
          "^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}$");
  private static final Pattern IPV6 = Pattern.compile("^[0-9a-fA-F:.]+$");

  @Override
  public String toString() {
    return address + "/" + prefixLength;
  }

  /**
   * @throws IllegalArgumentException naming the value when it is not an IP literal with a prefix
   *     length that fits it
   */
  public static Cidr parse(String value) {
    String[] parts = value.trim().split("/", -1);
    byte[] bytes = literal(parts[0], value);
    int bits = bytes.length * 8;
    int length;
    try {
      length = parts.length == 1 ? bits : Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("\"" + value + "\" is not an IP address or CIDR prefix");
    }
    if (parts.length > 2 || length < 0 || length > bits) {
      throw new IllegalArgumentException("\"" + value + "\" is not an IP address or CIDR prefix");
    }
    return new Cidr(parts[0], length);
  }

  /** False for anything that is not an IP literal of this prefix's family. */
  public boolean contains(String ip) {
    if (!isLiteral(ip)) {
      return false;
    }
    byte[] self = literal(address, address);
    byte[] other = literal(ip, ip);
    if (self.length != other.length) {
      return false;
    }
    int shift = self.length * 8 - prefixLength;
    return new BigInteger(1, self)
        .shiftRight(shift)
        .equals(new BigInteger(1, other).shiftRight(shift));
  }

  /** An IPv4 dotted quad or an IPv6 literal; never a name. */
  public static boolean isLiteral(String value) {
    return value != null
        && (IPV4.matcher(value).matches()
            || (value.contains(":") && IPV6.matcher(value).matches()));
  }

  private static byte[] literal(String value, String written) {
    if (!isLiteral(value)) {
      throw new IllegalArgumentException("\"" + written + "\" is not an IP address or CIDR prefix");
    }
    try {
      // A literal (checked above), so no name lookup happens.
      return InetAddress.getByName(value).getAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("\"" + written + "\" is not an IP address or CIDR prefix");
    }
  }
}
