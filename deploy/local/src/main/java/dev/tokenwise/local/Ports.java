package dev.tokenwise.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Chooses the port of each server the launcher starts: the documented default when it is free (a
 * free one otherwise), {@code base + offset} for the services when a base is given, or any free
 * port (what tests want, so that they never clash with a running suite).
 */
public final class Ports {

  private final Integer serviceBase;
  private final boolean preferDefaults;
  private final Set<Integer> handedOut = new HashSet<>();

  private Ports(Integer serviceBase, boolean preferDefaults) {
    this.serviceBase = serviceBase;
    this.preferDefaults = preferDefaults;
  }

  /** Documented defaults (router 8080 … simulator 8090, Redis 6379, PostgreSQL 5432) when free. */
  public static Ports defaultsOrFree() {
    return new Ports(null, true);
  }

  /** Any free port for everything. */
  public static Ports allFree() {
    return new Ports(null, false);
  }

  /**
   * Services at {@code base + (default - 8080)}: router at base, cache +1, batch +2, cost +3,
   * simulator +10. Redis and PostgreSQL keep their defaults when free.
   */
  public static Ports serviceBase(int base) {
    if (base < 1024 || base > 65_535 - 10) {
      throw new IllegalArgumentException("port base must be between 1024 and 65525, was " + base);
    }
    return new Ports(base, true);
  }

  synchronized int forService(Service service) {
    if (serviceBase != null) {
      int port = serviceBase + service.defaultPort() - Service.ROUTER.defaultPort();
      if (!isFree(port)) {
        throw new IllegalStateException(
            "port "
                + port
                + " for "
                + service.artifactId()
                + " is taken (port base "
                + serviceBase
                + ")");
      }
      return take(port);
    }
    return choose(service.defaultPort());
  }

  synchronized int forInfrastructure(int defaultPort) {
    return choose(defaultPort);
  }

  private int choose(int defaultPort) {
    if (preferDefaults && !handedOut.contains(defaultPort) && isFree(defaultPort)) {
      return take(defaultPort);
    }
    int port;
    do {
      port = freePort();
    } while (handedOut.contains(port));
    return take(port);
  }

  private int take(int port) {
    handedOut.add(port);
    return port;
  }

  /** True when nothing listens on the port, on any interface. */
  static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress((InetAddress) null, port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }
}
