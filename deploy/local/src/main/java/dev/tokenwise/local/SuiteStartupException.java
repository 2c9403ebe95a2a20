package dev.tokenwise.local;

/** The suite could not start; the message says which part and, for a service, its log tail. */
public final class SuiteStartupException extends RuntimeException {

  private static final int TAIL_LINES = 40;

  SuiteStartupException(String message, Throwable cause) {
    super(message, cause);
  }

  SuiteStartupException(String message, ChildProcess child) {
    super(
        message
            + System.lineSeparator()
            + "--- last "
            + TAIL_LINES
            + " lines of "
            + child.logFile()
            + " ---"
            + System.lineSeparator()
            + child.logTail(TAIL_LINES));
  }
}
