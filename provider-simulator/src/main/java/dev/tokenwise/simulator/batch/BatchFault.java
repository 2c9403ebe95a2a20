package dev.tokenwise.simulator.batch;

import java.util.Locale;
import org.springframework.http.HttpHeaders;

/**
 * A failure injected into one batch with header {@value #HEADER} on its creation: {@code fail}
 * (OpenAI: the batch fails validation; Anthropic: every request errors), {@code expire} (the window
 * runs out before any request is answered) or {@code errors-every-N} (every N-th line, in input
 * order, errors with a server error).
 *
 * @param kind what goes wrong
 * @param every for {@link Kind#LINE_ERRORS}, the period of failing lines
 */
record BatchFault(Kind kind, int every) {

  static final String HEADER = "x-simulator-batch-fault";

  static final BatchFault NONE = new BatchFault(Kind.NONE, 0);

  enum Kind {
    NONE,
    FAIL,
    EXPIRE,
    LINE_ERRORS
  }

  /** The fault a creation request asks for; null when the header's value is not understood. */
  static BatchFault of(HttpHeaders headers) {
    String value = headers.getFirst(HEADER);
    if (value == null || value.isBlank()) {
      return NONE;
    }
    String v = value.strip().toLowerCase(Locale.ROOT);
    if (v.equals("fail")) {
      return new BatchFault(Kind.FAIL, 0);
    }
    if (v.equals("expire")) {
      return new BatchFault(Kind.EXPIRE, 0);
    }
    if (v.startsWith("errors-every-")) {
      try {
        int every = Integer.parseInt(v.substring("errors-every-".length()));
        if (every >= 1) {
          return new BatchFault(Kind.LINE_ERRORS, every);
        }
      } catch (NumberFormatException e) {
        // reported by the caller
      }
    }
    return null;
  }

  /** Whether line {@code index} (0-based, input order) errors. */
  boolean failsLine(int index) {
    return kind == Kind.LINE_ERRORS && index % every == every - 1;
  }
}
