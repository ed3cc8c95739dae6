package io.outrigger.cni.capture;

/**
 * An IPv4 or IPv6 network, normalised the way {@code iptables-save} prints it (network address,
 * compressed IPv6), so rendered rules compare equal to what the kernel reports back.
 */
public record Cidr(byte[] network, int prefix) {

  public Cidr {
    network = network.clone();
  }

  /**
   * Parses {@code a.b.c.d/n}, {@code a.b.c.d}, {@code x::y/n} or {@code x::y}; host bits are
   * cleared.
   */
  public static Cidr parse(String text) {
    String s = text.strip();
    int slash = s.indexOf('/');
    byte[] bytes = IpLiteral.parse(slash < 0 ? s : s.substring(0, slash));
    if (bytes == null) {
      throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR");
    }
    int max = bytes.length * 8;
    int prefix;
    try {
      prefix = slash < 0 ? max : Integer.parseInt(s.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' has a prefix length that is not a number");
    }
    if (prefix < 0 || prefix > max) {
      throw new IllegalArgumentException(
          "'" + text + "' has prefix length " + prefix + ", must be 0.." + max);
    }
    for (int bit = prefix; bit < max; bit++) {
      bytes[bit / 8] &= (byte) ~(0x80 >> (bit % 8));
    }
    return new Cidr(bytes, prefix);
  }

  public boolean ipv6() {
    return network.length == 16;
  }

  @Override
  public byte[] network() {
    return network.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c && c.prefix == prefix && java.util.Arrays.equals(c.network, network);
  }

  @Override
  public int hashCode() {
    return 31 * java.util.Arrays.hashCode(network) + prefix;
  }

  /** {@code 198.18.0.0/16}, {@code fd00::/8}: the form iptables-save prints. */
  @Override
  public String toString() {
    return (ipv6() ? compressV6(network) : v4(network)) + "/" + prefix;
  }

  private static String v4(byte[] b) {
    return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff);
  }

  /** RFC 5952 text: lowercase, the longest run (of two or more) of zero groups as {@code ::}. */
  static String compressV6(byte[] b) {
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; ) {
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j == i ? i + 1 : j;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(groups[i]));
    }
    return sb.toString();
  }
}
