package dev.tokenwise.local.demo;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shows how far the replay is: on a terminal, one progress bar redrawn in place; elsewhere (a log,
 * a pipe, a test), a line every {@link #LINE_EVERY} requests.
 */
final class Progress {

  static final int LINE_EVERY = 100;
  private static final int BAR_WIDTH = 30;

  private final PrintStream out;
  private final boolean terminal;
  private final long total;
  private final long started = System.nanoTime();
  private final AtomicLong done = new AtomicLong();
  private volatile long lastDrawn;

  Progress(PrintStream out, boolean terminal, long total) {
    this.out = out;
    this.terminal = terminal;
    this.total = total;
  }

  /** One more request answered (or failed). */
  void step(long failed, long cacheHits) {
    long n = done.incrementAndGet();
    if (terminal) {
      long now = System.nanoTime();
      // Redraw at most ten times a second, and always for the last request.
      if (n == total || now - lastDrawn > 100_000_000L) {
        lastDrawn = now;
        synchronized (out) {
          out.print("\r" + bar(n) + status(n, failed, cacheHits));
          if (n == total) {
            out.println();
          }
          out.flush();
        }
      }
    } else if (n % LINE_EVERY == 0 || n == total) {
      synchronized (out) {
        out.println("  " + status(n, failed, cacheHits));
      }
    }
  }

  private String bar(long n) {
    int filled = (int) (BAR_WIDTH * n / Math.max(1, total));
    return "  [" + "#".repeat(filled) + " ".repeat(BAR_WIDTH - filled) + "] ";
  }

  private String status(long n, long failed, long cacheHits) {
    long seconds = (System.nanoTime() - started) / 1_000_000_000L;
    return String.format(
        Locale.ROOT,
        "%,d/%,d requests (%d%%), %,d cache hits, %,d failed, %ds",
        n,
        total,
        100 * n / Math.max(1, total),
        cacheHits,
        failed,
        seconds);
  }
}
