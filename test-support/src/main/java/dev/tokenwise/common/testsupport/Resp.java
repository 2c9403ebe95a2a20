package dev.tokenwise.common.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/**
 * Just enough RESP to ping and flush a Redis server without a client library, so test support works
 * the same whichever Redis client a module uses.
 */
final class Resp {

  private static final int TIMEOUT_MS = 1_000;

  private Resp() {}

  /** Sends one inline-free RESP command and returns the first reply line. */
  static String command(String host, int port, String... args) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), TIMEOUT_MS);
      socket.setSoTimeout(TIMEOUT_MS);
      StringBuilder request = new StringBuilder("*").append(args.length).append("\r\n");
      for (String arg : args) {
        byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
        request.append('$').append(bytes.length).append("\r\n").append(arg).append("\r\n");
      }
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      return readLine(socket.getInputStream());
    } catch (IOException e) {
      throw new UncheckedIOException("Redis at " + host + ":" + port + " did not answer", e);
    }
  }

  static boolean pings(String host, int port) {
    try {
      return "+PONG".equals(command(host, port, "PING"));
    } catch (UncheckedIOException e) {
      return false;
    }
  }

  static void awaitUp(String host, int port, Duration timeout) {
    await(() -> pings(host, port), timeout, "Redis did not come up on port " + port);
  }

  static void awaitDown(String host, int port, Duration timeout) {
    await(() -> !pings(host, port), timeout, "Redis did not go down on port " + port);
  }

  private static void await(java.util.function.BooleanSupplier done, Duration timeout, String m) {
    Instant deadline = Instant.now().plus(timeout);
    while (!done.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException(m);
      }
      // Polls a local process; the interval only bounds how fast a restart is noticed.
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }
}
