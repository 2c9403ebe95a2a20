package dev.tokenwise.router;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A local OTLP/HTTP trace receiver ({@code POST /v1/traces}, uncompressed protobuf) that decodes
 * the spans it is sent: just the fields a test of trace structure reads, straight from the protobuf
 * wire format of opentelemetry-proto's {@code ExportTraceServiceRequest} (resource_spans 1 →
 * scope_spans 2 → spans 2; span: trace_id 1, span_id 2, parent_span_id 4, name 5, kind 6,
 * attributes 9).
 */
final class OtlpReceiver implements AutoCloseable {

  /** One received span; ids in lower-case hex, parent empty for a root. */
  record Span(
      String traceId,
      String spanId,
      String parentSpanId,
      String name,
      int kind,
      Map<String, Object> attributes) {

    static final int SERVER = 2;
    static final int CLIENT = 3;
  }

  final List<Span> spans = new CopyOnWriteArrayList<>();
  private final HttpServer server;

  OtlpReceiver() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext(
        "/v1/traces",
        exchange -> {
          try (var in = exchange.getRequestBody()) {
            request(new Reader(in.readAllBytes()));
          }
          exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    server.start();
  }

  /** The endpoint for {@code management.opentelemetry.tracing.export.otlp.endpoint}. */
  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces";
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void request(Reader r) {
    while (r.more()) {
      int tag = r.varint32();
      if (tag >>> 3 == 1 && (tag & 7) == 2) {
        Reader resourceSpans = r.message();
        while (resourceSpans.more()) {
          int t = resourceSpans.varint32();
          if (t >>> 3 == 2 && (t & 7) == 2) {
            Reader scopeSpans = resourceSpans.message();
            while (scopeSpans.more()) {
              int s = scopeSpans.varint32();
              if (s >>> 3 == 2 && (s & 7) == 2) {
                spans.add(span(scopeSpans.message()));
              } else {
                scopeSpans.skip(s);
              }
            }
          } else {
            resourceSpans.skip(t);
          }
        }
      } else {
        r.skip(tag);
      }
    }
  }

  private static Span span(Reader r) {
    String traceId = "";
    String spanId = "";
    String parent = "";
    String name = "";
    int kind = 0;
    Map<String, Object> attributes = new HashMap<>();
    while (r.more()) {
      int tag = r.varint32();
      switch (tag >>> 3) {
        case 1 -> traceId = HexFormat.of().formatHex(r.bytes());
        case 2 -> spanId = HexFormat.of().formatHex(r.bytes());
        case 4 -> parent = HexFormat.of().formatHex(r.bytes());
        case 5 -> name = new String(r.bytes(), StandardCharsets.UTF_8);
        case 6 -> kind = (int) r.varint();
        case 9 -> attribute(r.message(), attributes);
        default -> r.skip(tag);
      }
    }
    return new Span(traceId, spanId, parent, name, kind, attributes);
  }

  /** A KeyValue: key 1, AnyValue 2 (string_value 1, bool_value 2, int_value 3). */
  private static void attribute(Reader r, Map<String, Object> into) {
    String key = null;
    Object value = null;
    while (r.more()) {
      int tag = r.varint32();
      if (tag >>> 3 == 1) {
        key = new String(r.bytes(), StandardCharsets.UTF_8);
      } else if (tag >>> 3 == 2) {
        Reader any = r.message();
        while (any.more()) {
          int t = any.varint32();
          switch (t >>> 3) {
            case 1 -> value = new String(any.bytes(), StandardCharsets.UTF_8);
            case 2 -> value = any.varint() != 0;
            case 3 -> value = any.varint();
            default -> any.skip(t);
          }
        }
      } else {
        r.skip(tag);
      }
    }
    if (key != null) {
      into.put(key, value);
    }
  }

  /** Protobuf wire-format reading over a slice of bytes. */
  private static final class Reader {
    private final byte[] buf;
    private int pos;
    private final int end;

    Reader(byte[] buf) {
      this(buf, 0, buf.length);
    }

    private Reader(byte[] buf, int pos, int end) {
      this.buf = buf;
      this.pos = pos;
      this.end = end;
    }

    boolean more() {
      return pos < end;
    }

    long varint() {
      long value = 0;
      for (int shift = 0; ; shift += 7) {
        byte b = buf[pos++];
        value |= (long) (b & 0x7f) << shift;
        if (b >= 0) {
          return value;
        }
      }
    }

    int varint32() {
      return (int) varint();
    }

    byte[] bytes() {
      int length = varint32();
      byte[] out = new byte[length];
      System.arraycopy(buf, pos, out, 0, length);
      pos += length;
      return out;
    }

    Reader message() {
      int length = varint32();
      Reader sub = new Reader(buf, pos, pos + length);
      pos += length;
      return sub;
    }

    void skip(int tag) {
      switch (tag & 7) {
        case 0 -> varint();
        case 1 -> pos += 8;
        case 2 -> {
          int length = varint32();
          pos += length;
        }
        case 5 -> pos += 4;
        default -> throw new IllegalStateException("unsupported wire type " + (tag & 7));
      }
    }
  }
}
