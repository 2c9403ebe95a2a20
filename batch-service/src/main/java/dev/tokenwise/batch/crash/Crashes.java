package dev.tokenwise.batch.crash;

import java.util.EnumSet;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Where batch work checks for an injected crash. Nothing is armed in production; tests arm one
 * point, watch the work stop there, disarm it and run the work again, as a restart would.
 */
@Component
public class Crashes {

  private final Set<CrashPoint> armed = EnumSet.noneOf(CrashPoint.class);

  public synchronized void arm(CrashPoint point) {
    armed.add(point);
  }

  public synchronized void disarmAll() {
    armed.clear();
  }

  /** Throws {@link SimulatedCrash} when {@code point} is armed (once: it disarms itself). */
  public synchronized void check(CrashPoint point) {
    if (armed.remove(point)) {
      throw new SimulatedCrash(point);
    }
  }
}
