package dev.tokenwise.batch.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class OutboundAddressesTests {

  private final OutboundAddresses publicOnly = new OutboundAddresses(List.of(), List.of());

  @ParameterizedTest
  @CsvSource({
    "127.0.0.1, loopback",
    "::1, loopback",
    "10.1.2.3, private",
    "172.31.255.255, private",
    "192.168.0.1, private",
    "fd12:3456::1, unique-local",
    "169.254.169.254, metadata",
    "169.254.1.1, link-local",
    "fe80::1, link-local",
    "0.0.0.0, unspecified",
    "100.100.100.100, carrier-grade NAT",
    "224.0.0.1, multicast",
    "255.255.255.255, reserved",
    "::ffff:10.0.0.1, private",
    "64:ff9b::a9fe:a9fe, metadata"
  })
  void internalAddressesAreRefusedWithTheirKind(String address, String kind) throws Exception {
    assertThat(publicOnly.refusedKind(InetAddress.getByName(address)))
        .hasValueSatisfying(k -> assertThat(k).contains(kind));
    assertThatThrownBy(() -> publicOnly.resolve(address))
        .isInstanceOf(OutboundAddresses.RefusedAddressException.class)
        .hasMessageContaining(kind);
  }

  @ParameterizedTest
  @ValueSource(strings = {"8.8.8.8", "203.0.113.10", "2001:4860:4860::8888", "172.32.0.1"})
  void publicAddressesPass(String address) throws Exception {
    assertThat(publicOnly.refusedKind(InetAddress.getByName(address))).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.0/8", "10.20.0.0/16"})
  void anAllowedNetworkAdmitsItsAddressesOnly(String cidr) throws Exception {
    OutboundAddresses cluster = new OutboundAddresses(List.of(cidr), List.of());
    assertThat(cluster.refusedKind(InetAddress.getByName("10.20.3.4"))).isEmpty();
    assertThat(cluster.refusedKind(InetAddress.getByName("192.168.0.1"))).isPresent();
  }

  @ParameterizedTest
  @ValueSource(strings = {"localhost", "LOCALHOST"})
  void anAllowedHostPassesWhateverItResolvesTo(String host) throws Exception {
    OutboundAddresses local = new OutboundAddresses(List.of(), List.of("localhost"));
    assertThat(local.resolve(host)).isNotEmpty();
    assertThatThrownBy(() -> publicOnly.resolve(host))
        .isInstanceOf(OutboundAddresses.RefusedAddressException.class)
        .hasMessageContaining("loopback");
  }
}
