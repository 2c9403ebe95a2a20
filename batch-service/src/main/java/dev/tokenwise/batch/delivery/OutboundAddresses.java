package dev.tokenwise.batch.delivery;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which addresses a webhook may reach: public ones, and the private networks or host names an
 * operator admits ({@code tokenwise.batch.webhook.allowed-networks}, {@code allowed-hosts}).
 * Refused: loopback, unspecified, link-local (the cloud metadata endpoint 169.254.169.254 among
 * them), private (RFC 1918, IPv6 unique-local), carrier-grade NAT, multicast, broadcast and
 * reserved ranges, and IPv4-mapped or NAT64-embedded forms of those. A host name is judged by every
 * address it resolves to, so one private answer among public ones refuses it. The same check runs
 * at intake and at every connection ({@link #resolve}), so a name re-pointed at an internal address
 * after intake (DNS rebinding) is still refused.
 */
public final class OutboundAddresses {

  private final List<Network> allowedNetworks;
  private final Set<String> allowedHosts;

  public OutboundAddresses(List<String> allowedNetworks, List<String> allowedHosts) {
    this.allowedNetworks = allowedNetworks.stream().map(Network::parse).toList();
    this.allowedHosts =
        allowedHosts.stream()
            .map(h -> h.strip().toLowerCase(Locale.ROOT))
            .collect(Collectors.toUnmodifiableSet());
  }

  /** Refused: the message says which address and why. */
  public static final class RefusedAddressException extends UnknownHostException {
    RefusedAddressException(String message) {
      super(message);
    }
  }

  /**
   * The addresses of {@code host} a connection may use: all of them, or {@link
   * RefusedAddressException} naming the first that is not allowed.
   */
  public InetAddress[] resolve(String host) throws UnknownHostException {
    InetAddress[] addresses = InetAddress.getAllByName(host);
    if (allowedHosts.contains(host.toLowerCase(Locale.ROOT))) {
      return addresses;
    }
    for (InetAddress address : addresses) {
      Optional<String> kind = refusedKind(address);
      if (kind.isPresent()) {
        throw new RefusedAddressException(
            host
                + " resolves to "
                + address.getHostAddress()
                + ", "
                + kind.get()
                + " address; webhooks go to public addresses only"
                + " (tokenwise.batch.webhook.allowed-networks admits a private network)");
      }
    }
    return addresses;
  }

  /** Why {@code address} is refused, or empty when a webhook may reach it. */
  Optional<String> refusedKind(InetAddress address) {
    for (Network network : allowedNetworks) {
      if (network.contains(address)) {
        return Optional.empty();
      }
    }
    return kind(address);
  }

  static Optional<String> kind(InetAddress address) {
    if (address instanceof Inet6Address v6) {
      byte[] b = v6.getAddress();
      Optional<Inet4Address> embedded = embeddedIpv4(b);
      if (embedded.isPresent()) {
        return kind(embedded.get());
      }
      if ((b[0] & 0xfe) == 0xfc) {
        return Optional.of("a private (unique-local)");
      }
    }
    if (address.isLoopbackAddress()) {
      return Optional.of("a loopback");
    }
    if (address.isAnyLocalAddress()) {
      return Optional.of("an unspecified");
    }
    if (address.isLinkLocalAddress()) {
      return Optional.of(
          address.getHostAddress().equals("169.254.169.254")
              ? "the cloud metadata"
              : "a link-local");
    }
    if (address.isSiteLocalAddress()) {
      return Optional.of("a private");
    }
    if (address.isMulticastAddress()) {
      return Optional.of("a multicast");
    }
    if (address instanceof Inet4Address) {
      byte[] b = address.getAddress();
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      if (first == 0) {
        return Optional.of("an unspecified (0.0.0.0/8)");
      }
      if (first == 100 && second >= 64 && second < 128) {
        return Optional.of("a shared (carrier-grade NAT)");
      }
      if (first == 198 && (second == 18 || second == 19)) {
        return Optional.of("a benchmarking");
      }
      if (first >= 240) {
        return Optional.of("a reserved");
      }
    }
    return Optional.empty();
  }

  /** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), compatible or NAT64 one. */
  private static Optional<Inet4Address> embeddedIpv4(byte[] b) {
    boolean zeroes = true;
    for (int i = 0; i < 10; i++) {
      zeroes &= b[i] == 0;
    }
    boolean mapped = zeroes && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    boolean compatible = zeroes && b[10] == 0 && b[11] == 0 && (b[12] != 0 || b[13] != 0);
    boolean nat64 =
        (b[0] & 0xff) == 0x00
            && (b[1] & 0xff) == 0x64
            && (b[2] & 0xff) == 0xff
            && (b[3] & 0xff) == 0x9b;
    if (!mapped && !compatible && !nat64) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          (Inet4Address) InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }

  /** A CIDR block such as {@code 10.0.0.0/8} or {@code fd00::/8}. */
  record Network(byte[] prefix, int bits) {

    static Network parse(String cidr) {
      String[] parts = cidr.strip().split("/", 2);
      try {
        byte[] address = InetAddress.getByName(parts[0]).getAddress();
        int bits = parts.length == 2 ? Integer.parseInt(parts[1]) : address.length * 8;
        if (bits < 0 || bits > address.length * 8) {
          throw new IllegalArgumentException("prefix length out of range in " + cidr);
        }
        return new Network(address, bits);
      } catch (UnknownHostException | NumberFormatException e) {
        throw new IllegalArgumentException("not a CIDR block: " + cidr, e);
      }
    }

    boolean contains(InetAddress address) {
      byte[] a = address.getAddress();
      if (a.length != prefix.length) {
        return false;
      }
      int full = bits / 8;
      for (int i = 0; i < full; i++) {
        if (a[i] != prefix[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (a[full] & mask) == (prefix[full] & mask);
    }
  }
}
