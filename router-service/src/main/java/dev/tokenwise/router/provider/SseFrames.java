package dev.tokenwise.router.provider;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits a server-sent event byte stream into whole events (terminated by a blank line, any of the
 * three line endings), keeping each event's raw bytes. Not thread-safe: one per stream, fed in
 * order.
 */
public final class SseFrames {

  /** One event: its bytes as they came, terminator included. */
  public record Frame(byte[] raw) {

    /** The {@code event:} name, or null. */
    public String name() {
      for (String line : lines()) {
        if (line.startsWith("event:")) {
          return line.substring(6).trim();
        }
      }
      return null;
    }

    /** The data lines joined by newlines (the SSE rule), trimmed, or null when there are none. */
    public String data() {
      StringBuilder data = null;
      for (String line : lines()) {
        if (line.startsWith("data:")) {
          String value = line.substring(5);
          if (value.startsWith(" ")) {
            value = value.substring(1);
          }
          data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
        }
      }
      return data == null ? null : data.toString().trim();
    }

    private String[] lines() {
      return new String(raw, StandardCharsets.UTF_8).split("\r\n|\r|\n");
    }
  }

  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

  /** Feeds bytes; returns the events they complete, in order. */
  public List<Frame> accept(byte[] bytes) {
    pending.writeBytes(bytes);
    byte[] buffered = pending.toByteArray();
    List<Frame> out = new ArrayList<>();
    int start = 0;
    int end;
    while ((end = eventEnd(buffered, start)) > 0) {
      out.add(new Frame(Arrays.copyOfRange(buffered, start, end)));
      start = end;
    }
    pending.reset();
    pending.write(buffered, start, buffered.length - start);
    return out;
  }

  /** The unterminated tail when the stream ends, as a last event (or nothing). */
  public List<Frame> finish() {
    byte[] rest = pending.toByteArray();
    pending.reset();
    return rest.length == 0 ? List.of() : List.of(new Frame(rest));
  }

  private static int eventEnd(byte[] bytes, int from) {
    for (int i = from; i < bytes.length - 1; i++) {
      if (bytes[i] == '\n' && bytes[i + 1] == '\n') {
        return i + 2;
      }
      if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
        if (i + 3 < bytes.length && bytes[i + 2] == '\r' && bytes[i + 3] == '\n') {
          return i + 4;
        }
      } else if (bytes[i] == '\r' && bytes[i + 1] == '\r') {
        return i + 2;
      }
    }
    return -1;
  }
}
