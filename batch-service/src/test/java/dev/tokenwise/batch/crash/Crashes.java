package dev.tokenwise.batch.crash;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Primary;
import org.springframework.stereotype.Component;

/**
 * The tests' {@link StepHook}, in test sources only: the service's jar has none of this. Component
 * scanning finds it wherever the test classes are on the class path: in-process tests, and the
 * child JVM {@code ProcessKillIT} starts with the test class path. In-process tests arm one point,
 * watch the work stop there, disarm it and run the work again, as a restart would; kill tests start
 * the service with {@code tokenwise.batch.crash.halt-at} so it halts at the point and can be killed
 * there for real ({@link CrashProperties}).
 */
@Component
@Primary
@EnableConfigurationProperties(CrashProperties.class)
public class Crashes implements StepHook {

  private static final Logger log = LoggerFactory.getLogger(Crashes.class);

  private final Set<CrashPoint> armed = EnumSet.noneOf(CrashPoint.class);
  private final CrashProperties properties;

  Crashes(CrashProperties properties) {
    this.properties = properties;
  }

  public synchronized void arm(CrashPoint point) {
    armed.add(point);
  }

  public synchronized void disarmAll() {
    armed.clear();
  }

  /**
   * Throws {@link SimulatedCrash} when {@code point} is armed (once: it disarms itself); halts the
   * calling thread for good when the configuration says to halt there.
   */
  @Override
  public void passed(CrashPoint point) {
    synchronized (this) {
      if (armed.remove(point)) {
        throw new SimulatedCrash(point);
      }
    }
    if (properties.haltAt().contains(point)) {
      halt(point);
    }
  }

  private void halt(CrashPoint point) {
    try {
      Files.createDirectories(properties.markerDir());
      Files.writeString(properties.markerDir().resolve(point.name()), point.name());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    log.warn("Halted at {} for a kill test", point);
    CountDownLatch never = new CountDownLatch(1);
    while (true) {
      try {
        never.await();
      } catch (InterruptedException e) {
        // a halted step must not go on, whatever interrupts it
      }
    }
  }
}
