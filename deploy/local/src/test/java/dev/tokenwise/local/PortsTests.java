package dev.tokenwise.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PortsTests {

  @Test
  void aTakenDefaultPortIsReplacedByAFreeOne() throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      int port = Ports.defaultsOrFree().forInfrastructure(taken.getLocalPort());

      assertThat(port).isNotEqualTo(taken.getLocalPort());
      assertThat(Ports.isFree(port)).isTrue();
    }
  }

  @Test
  void aFreeDefaultPortIsKept() throws Exception {
    int free;
    try (ServerSocket probe = new ServerSocket(0)) {
      free = probe.getLocalPort();
    }

    assertThat(Ports.defaultsOrFree().forInfrastructure(free)).isEqualTo(free);
  }

  @Test
  void aPortBaseLaysTheServicesOutAsDocumented() {
    Ports ports = Ports.serviceBase(findFreeRange());
    int router = ports.forService(Service.ROUTER);

    assertThat(ports.forService(Service.CACHE)).isEqualTo(router + 1);
    assertThat(ports.forService(Service.BATCH)).isEqualTo(router + 2);
    assertThat(ports.forService(Service.COST)).isEqualTo(router + 3);
    assertThat(ports.forService(Service.PROVIDER_SIMULATOR)).isEqualTo(router + 10);
  }

  @Test
  void aPortBaseOutsideTheUnprivilegedRangeIsRefused() {
    assertThatThrownBy(() -> Ports.serviceBase(80)).hasMessageContaining("between 1024");
  }

  @Test
  void freePortsAreNeverHandedOutTwice() {
    Ports ports = Ports.allFree();
    Set<Integer> seen = new HashSet<>();
    for (Service service : Service.values()) {
      assertThat(seen.add(ports.forService(service))).isTrue();
    }
    assertThat(seen.add(ports.forInfrastructure(6379))).isTrue();
    assertThat(seen.add(ports.forInfrastructure(5432))).isTrue();
  }

  private static int findFreeRange() {
    for (int base = 41_000; base < 60_000; base += 100) {
      boolean allFree = true;
      for (int offset = 0; offset <= 10 && allFree; offset++) {
        allFree = Ports.isFree(base + offset);
      }
      if (allFree) {
        return base;
      }
    }
    throw new IllegalStateException("no free range of 11 ports");
  }
}
