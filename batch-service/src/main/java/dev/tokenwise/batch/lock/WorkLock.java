package dev.tokenwise.batch.lock;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import net.javacrumbs.shedlock.provider.jdbctemplate.JdbcTemplateLockProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Runs work under a named lock row in {@code batch.shedlock}: with several replicas, one of them
 * runs it. While the work runs the lock is extended every {@code atMost / 2}, so {@code atMost} can
 * be short whatever the work's length: a holder killed with SIGKILL blocks the others for at most
 * {@code atMost}, not for the longest pass it might have run. (ShedLock's own KeepAliveLockProvider
 * does the same but refuses periods under 30 s, which kill tests need.)
 */
@Component
public class WorkLock implements DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(WorkLock.class);

  private final JdbcTemplateLockProvider provider;
  private final ScheduledExecutorService keepAlive =
      Executors.newSingleThreadScheduledExecutor(
          task -> {
            Thread thread = new Thread(task, "work-lock-keep-alive");
            thread.setDaemon(true);
            return thread;
          });

  WorkLock(DataSource dataSource) {
    this.provider =
        new JdbcTemplateLockProvider(
            JdbcTemplateLockProvider.Configuration.builder()
                .withJdbcTemplate(new JdbcTemplate(dataSource))
                .withTableName("batch.shedlock")
                .usingDbTime()
                .build());
  }

  /** Runs {@code work} if the lock {@code name} is free; returns whether it ran. */
  public boolean runExclusively(String name, Duration atMost, Runnable work) {
    Optional<SimpleLock> acquired =
        provider.lock(new LockConfiguration(Instant.now(), name, atMost, Duration.ZERO));
    if (acquired.isEmpty()) {
      return false;
    }
    Held held = new Held(name, atMost, acquired.get());
    long period = Math.max(1, atMost.toMillis() / 2);
    ScheduledFuture<?> extension =
        keepAlive.scheduleAtFixedRate(held::extend, period, period, TimeUnit.MILLISECONDS);
    try {
      work.run();
      return true;
    } finally {
      extension.cancel(false);
      held.release();
    }
  }

  @Override
  public void destroy() {
    keepAlive.shutdownNow();
  }

  /** A held lock; extension and release never overlap. */
  private static final class Held {

    private final String name;
    private final Duration atMost;
    private SimpleLock lock;
    private boolean released;

    Held(String name, Duration atMost, SimpleLock lock) {
      this.name = name;
      this.atMost = atMost;
      this.lock = lock;
    }

    synchronized void extend() {
      if (released) {
        return;
      }
      try {
        Optional<SimpleLock> extended = lock.extend(atMost, Duration.ZERO);
        if (extended.isPresent()) {
          lock = extended.get();
        } else {
          log.warn("Lock {} could not be extended: another replica may take it", name);
        }
      } catch (RuntimeException e) {
        log.warn("Lock {} could not be extended: {}", name, e.toString());
      }
    }

    synchronized void release() {
      released = true;
      try {
        lock.unlock();
      } catch (RuntimeException e) {
        log.warn("Lock {} could not be released; it expires by itself: {}", name, e.toString());
      }
    }
  }
}
