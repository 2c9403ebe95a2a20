package dev.tokenwise.router;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A Redis that completes the connection handshake (RESP2: {@code HELLO} refused, {@code PING},
 * {@code CLIENT}, {@code SELECT}, {@code AUTH} answered) and then never answers a data command: the
 * stall a busy or half-dead Redis shows a client, which every Redis call of the router must
 * survive.
 */
final class StallingRedis implements AutoCloseable {

  private final ServerSocket server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  final List<String> stalledCommands = new CopyOnWriteArrayList<>();

  StallingRedis() {
    try {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    threads.execute(this::accept);
  }

  int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        sockets.add(socket);
        threads.execute(() -> serve(socket));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      while (true) {
        List<String> command = read(in);
        if (command == null) {
          return;
        }
        String name = command.isEmpty() ? "" : command.get(0).toUpperCase(Locale.ROOT);
        String reply =
            switch (name) {
              case "HELLO" -> "-ERR unknown command 'HELLO'\r\n";
              case "PING" -> "+PONG\r\n";
              case "CLIENT", "SELECT", "AUTH", "READONLY" -> "+OK\r\n";
              default -> null;
            };
        if (reply == null) {
          stalledCommands.add(name);
          continue;
        }
        out.write(reply.getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
    } catch (IOException e) {
      // the client hung up or the server stopped
    }
  }

  /** One RESP array of bulk strings, or null at the end of the stream. */
  private static List<String> read(InputStream in) throws IOException {
    String header = line(in);
    if (header == null) {
      return null;
    }
    if (!header.startsWith("*")) {
      return List.of(header.strip());
    }
    int count = Integer.parseInt(header.substring(1));
    List<String> parts = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String length = line(in);
      if (length == null) {
        return null;
      }
      byte[] bytes = in.readNBytes(Integer.parseInt(length.substring(1)) + 2);
      parts.add(new String(bytes, 0, Math.max(0, bytes.length - 2), StandardCharsets.UTF_8));
    }
    return parts;
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        return line.toString().strip();
      }
      line.append((char) c);
    }
    return null;
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    for (Socket socket : sockets) {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    threads.shutdownNow();
  }
}
