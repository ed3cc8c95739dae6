package io.outrigger.cni.capture;

/**
 * Parses IPv4 and IPv6 address literals into bytes. Not {@link java.net.InetAddress}: its class
 * initialisation (resolver, native library) costs the exec'd plugin tens of milliseconds, and a
 * literal never needs a resolver.
 */
final class IpLiteral {
  private IpLiteral() {}

  /** 4 or 16 bytes, or null when {@code text} is not a literal address. */
  static byte[] parse(String text) {
    return text.indexOf(':') >= 0 ? v6(text) : v4(text);
  }

  static byte[] v4(String text) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] out = new byte[4];
    for (int i = 0; i < 4; i++) {
      int v = number(parts[i], 10, 3);
      if (v < 0 || v > 255) {
        return null;
      }
      out[i] = (byte) v;
    }
    return out;
  }

  static byte[] v6(String text) {
    int gap = text.indexOf("::");
    if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
      return null;
    }
    byte[] head = groups(gap < 0 ? text : text.substring(0, gap));
    byte[] tail = gap < 0 ? new byte[0] : groups(text.substring(gap + 2));
    if (head == null || tail == null) {
      return null;
    }
    int fill = 16 - head.length - tail.length;
    if (gap < 0 ? fill != 0 : fill < 2) {
      return null;
    }
    byte[] out = new byte[16];
    System.arraycopy(head, 0, out, 0, head.length);
    System.arraycopy(tail, 0, out, 16 - tail.length, tail.length);
    return out;
  }

  /** Colon-separated hex groups, the last of which may be a dotted IPv4 address. */
  private static byte[] groups(String text) {
    if (text.isEmpty()) {
      return new byte[0];
    }
    String[] parts = text.split(":", -1);
    byte[] out = new byte[16];
    int n = 0;
    for (int i = 0; i < parts.length; i++) {
      if (i == parts.length - 1 && parts[i].indexOf('.') >= 0) {
        byte[] v4 = v4(parts[i]);
        if (v4 == null || n + 4 > 16) {
          return null;
        }
        System.arraycopy(v4, 0, out, n, 4);
        n += 4;
        continue;
      }
      int v = number(parts[i], 16, 4);
      if (v < 0 || n + 2 > 16) {
        return null;
      }
      out[n++] = (byte) (v >> 8);
      out[n++] = (byte) v;
    }
    return java.util.Arrays.copyOf(out, n);
  }

  /** A non-empty number of at most {@code maxDigits} digits, or -1. */
  private static int number(String s, int radix, int maxDigits) {
    if (s.isEmpty() || s.length() > maxDigits) {
      return -1;
    }
    int v = 0;
    for (int i = 0; i < s.length(); i++) {
      int d = Character.digit(s.charAt(i), radix);
      if (d < 0) {
        return -1;
      }
      v = v * radix + d;
    }
    return v;
  }
}
