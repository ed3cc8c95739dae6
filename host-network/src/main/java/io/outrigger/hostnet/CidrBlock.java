package io.outrigger.hostnet;

/**
 * An IPv4 block such as {@code 198.18.4.0/24}.
 *
 * @param network the network address as a 32-bit value
 * @param prefixLength bits of the prefix
 */
public record CidrBlock(int network, int prefixLength) {

  public CidrBlock {
    if (prefixLength < 0 || prefixLength > 32) {
      throw new IllegalArgumentException("CIDR prefix length " + prefixLength + ": must be 0..32");
    }
    network = network & mask(prefixLength);
  }

  public static CidrBlock parse(String cidr) {
    String[] parts = cidr.strip().split("/");
    int prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : 32;
    return new CidrBlock(toInt(parts[0]), prefix);
  }

  /**
   * The address {@code offset} past the network address, e.g. offset 1 of 198.18.4.0/24 is
   * 198.18.4.1.
   */
  public String address(int offset) {
    if (offset < 0 || Integer.toUnsignedLong(offset) >= size()) {
      throw new IllegalArgumentException("offset " + offset + " is outside " + this);
    }
    return toDotted(network + offset);
  }

  public boolean overlaps(CidrBlock other) {
    int shorter = Math.min(prefixLength, other.prefixLength);
    return (network & mask(shorter)) == (other.network & mask(shorter));
  }

  public boolean contains(String address) {
    return overlaps(new CidrBlock(toInt(address), 32));
  }

  public long size() {
    return 1L << (32 - prefixLength);
  }

  @Override
  public String toString() {
    return toDotted(network) + "/" + prefixLength;
  }

  private static int mask(int prefixLength) {
    return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
  }

  private static int toInt(String dotted) {
    String[] octets = dotted.split("\\.");
    if (octets.length != 4) {
      throw new IllegalArgumentException("IPv4 address '" + dotted + "': needs four octets");
    }
    int value = 0;
    for (String octet : octets) {
      int b = Integer.parseInt(octet);
      if (b < 0 || b > 255) {
        throw new IllegalArgumentException(
            "IPv4 address '" + dotted + "': octet " + b + " out of range");
      }
      value = (value << 8) | b;
    }
    return value;
  }

  private static String toDotted(int value) {
    return ((value >>> 24) & 0xff)
        + "."
        + ((value >>> 16) & 0xff)
        + "."
        + ((value >>> 8) & 0xff)
        + "."
        + (value & 0xff);
  }
}
