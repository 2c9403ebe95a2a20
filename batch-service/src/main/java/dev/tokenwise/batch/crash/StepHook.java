package dev.tokenwise.batch.crash;

/**
 * What batch work calls as it passes each {@link CrashPoint}. The service itself registers only
 * {@link #NONE} ({@link StepHooks}); the crash and kill tests register their own from test sources,
 * so the service's jar holds no way to stop or halt at a step.
 */
@FunctionalInterface
public interface StepHook {

  /** Does nothing: the only hook the service has. */
  StepHook NONE = point -> {};

  /** Called right after batch work completes the step {@code point} names. */
  void passed(CrashPoint point);

  /**
   * Thrown by a hook to stop the work at a point as if the process had died there. Batch work never
   * catches it: no log-and-retry, no failure recorded as the provider's.
   */
  abstract class Stop extends RuntimeException {

    protected Stop(String message) {
      super(message, null, false, false);
    }
  }
}
