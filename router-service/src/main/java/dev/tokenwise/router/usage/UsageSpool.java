package dev.tokenwise.router.usage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.springframework.stereotype.Component;

/**
 * A local append-only file of usage events (one JSON per line) that could not reach Redis. Appends
 * are forced to disk before they return. The drainer claims the file by renaming it, so appends
 * that arrive while it drains start a new file and nothing is read twice or lost.
 *
 * <p>Blocking file I/O: call from a scheduler meant for it, never from an event-loop thread.
 */
@Component
public class UsageSpool {

  private static final String ACTIVE = "usage-events.jsonl";
  private static final String CLAIMED_SUFFIX = ".draining";

  private final Path dir;
  private final Path active;
  private final Object lock = new Object();
  private long claims;
  private final AtomicLong pending = new AtomicLong();

  public UsageSpool(UsageProperties properties) {
    this.dir = properties.spoolDir();
    this.active = dir.resolve(ACTIVE);
    this.pending.set(countSpooled());
  }

  /** Events spooled and not yet delivered (counted at startup, then kept up to date). */
  public long pending() {
    return pending.get();
  }

  /** Appends one event's JSON and forces it to disk. */
  public void append(String eventJson) {
    if (eventJson.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("spooled events must be single-line JSON");
    }
    byte[] line = (eventJson + "\n").getBytes(StandardCharsets.UTF_8);
    synchronized (lock) {
      try {
        Files.createDirectories(dir);
        try (FileChannel channel =
            FileChannel.open(
                active,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
          ByteBuffer buffer = ByteBuffer.wrap(line);
          while (buffer.hasRemaining()) {
            channel.write(buffer);
          }
          channel.force(false);
        }
        pending.incrementAndGet();
      } catch (IOException e) {
        throw new UncheckedIOException("could not spool usage event to " + active, e);
      }
    }
  }

  /**
   * Claims what has been spooled so far for draining: the active file is renamed, and every claimed
   * file not yet fully drained (from this or an earlier run) is returned, oldest first.
   */
  List<Path> claim() {
    synchronized (lock) {
      try {
        if (Files.exists(active) && Files.size(active) > 0) {
          // Time first so names sort oldest first; the counter keeps names unique within a run.
          Path claimed =
              dir.resolve(
                  String.format(
                      "usage-events-%013d-%06d%s",
                      System.currentTimeMillis(), ++claims % 1_000_000, CLAIMED_SUFFIX));
          Files.move(active, claimed, StandardCopyOption.ATOMIC_MOVE);
        }
        if (!Files.isDirectory(dir)) {
          return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
          return files
              .filter(p -> p.getFileName().toString().endsWith(CLAIMED_SUFFIX))
              .sorted()
              .toList();
        }
      } catch (IOException e) {
        throw new UncheckedIOException("could not claim the usage spool in " + dir, e);
      }
    }
  }

  private long countSpooled() {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.list(dir)) {
      long count = 0;
      for (Path file : files.toList()) {
        String name = file.getFileName().toString();
        if (name.equals(ACTIVE) || name.endsWith(CLAIMED_SUFFIX)) {
          count += read(file).size();
        }
      }
      return count;
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the usage spool in " + dir, e);
    }
  }

  /** The events of a claimed file, in the order they were spooled. */
  static List<String> read(Path claimed) throws IOException {
    List<String> lines = new ArrayList<>();
    for (String line : Files.readAllLines(claimed, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        lines.add(line);
      }
    }
    return lines;
  }

  /** Records that the first {@code delivered} events of a claimed file reached the stream. */
  void markDelivered(Path claimed, List<String> events, int delivered) throws IOException {
    pending.addAndGet(-Math.min(delivered, events.size()));
    if (delivered >= events.size()) {
      Files.delete(claimed);
      return;
    }
    Path tmp = claimed.resolveSibling(claimed.getFileName() + ".tmp");
    Files.write(tmp, events.subList(delivered, events.size()), StandardCharsets.UTF_8);
    Files.move(tmp, claimed, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
