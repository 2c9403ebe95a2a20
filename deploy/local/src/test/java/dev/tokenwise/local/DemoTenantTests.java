package dev.tokenwise.local;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DemoTenantTests {

  @Test
  void keyHashIsLowerCaseHexSha256OfTheKey() {
    DemoTenant tenant = new DemoTenant("demo", "demo-app", "abc");

    // FIPS 180-2, appendix B.1.
    assertThat(tenant.keyHash())
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void everyStartGetsNewKeysThatNameTheirTenant() {
    DemoTenant first = DemoTenant.generate("demo");
    DemoTenant second = DemoTenant.generate("demo");

    assertThat(first.virtualKey()).startsWith("tw-demo-").hasSizeGreaterThan(40);
    assertThat(first.virtualKey()).isNotEqualTo(second.virtualKey());
  }

  @Test
  void printingTheTenantDoesNotPrintItsKey() {
    DemoTenant tenant = DemoTenant.generate("demo-b");

    assertThat(tenant.toString()).contains("demo-b").doesNotContain(tenant.virtualKey());
  }
}
