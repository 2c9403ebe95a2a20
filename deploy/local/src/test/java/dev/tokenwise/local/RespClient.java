package dev.tokenwise.local;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Just enough of the Redis protocol (RESP) for a test to read a key of the suite's Redis: this
 * module has no Redis client, and one command per check needs none.
 */
final class RespClient {

  private RespClient() {}

  /** {@code HLEN key}. */
  static long hlen(int port, String key) throws IOException {
    return Long.parseLong(command(port, "HLEN", key));
  }

  /** {@code GET key} as a decimal; 0 when the key does not exist. */
  static BigDecimal decimal(int port, String key) throws IOException {
    String value = command(port, "GET", key);
    return value == null ? BigDecimal.ZERO : new BigDecimal(value);
  }

  /** Sends one command and returns its integer or bulk-string reply (null for a nil reply). */
  private static String command(int port, String... parts) throws IOException {
    try (Socket socket = new Socket("localhost", port)) {
      socket.setSoTimeout(10_000);
      StringBuilder out = new StringBuilder("*").append(parts.length).append("\r\n");
      for (String part : parts) {
        byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
        out.append('$').append(bytes.length).append("\r\n").append(part).append("\r\n");
      }
      OutputStream os = socket.getOutputStream();
      os.write(out.toString().getBytes(StandardCharsets.UTF_8));
      os.flush();
      InputStream in = new BufferedInputStream(socket.getInputStream());
      String line = line(in);
      switch (line.charAt(0)) {
        case ':':
        case '+':
          return line.substring(1);
        case '$':
          int length = Integer.parseInt(line.substring(1));
          if (length < 0) {
            return null;
          }
          byte[] value = in.readNBytes(length);
          line(in);
          return new String(value, StandardCharsets.UTF_8);
        default:
          throw new IOException("Redis answered " + line);
      }
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\r') {
        in.read();
        return line.toString();
      }
      line.append((char) c);
    }
    throw new IOException("Redis closed the connection");
  }
}
