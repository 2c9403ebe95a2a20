package dev.tokenwise.batch.lock;

import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.DefaultLockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockingTaskExecutor;
import net.javacrumbs.shedlock.provider.jdbctemplate.JdbcTemplateLockProvider;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Runs work under a named lock row in {@code batch.shedlock}, held until the work ends (or, if the
 * holder dies, until {@code atMost} passes): with several replicas, one of them runs it.
 */
@Component
public class WorkLock {

  private final LockingTaskExecutor executor;

  WorkLock(DataSource dataSource) {
    this.executor =
        new DefaultLockingTaskExecutor(
            new JdbcTemplateLockProvider(
                JdbcTemplateLockProvider.Configuration.builder()
                    .withJdbcTemplate(new JdbcTemplate(dataSource))
                    .withTableName("batch.shedlock")
                    .usingDbTime()
                    .build()));
  }

  /** Runs {@code work} if the lock {@code name} is free; returns whether it ran. */
  public boolean runExclusively(String name, Duration atMost, Runnable work) {
    try {
      return executor
          .executeWithLock(
              () -> {
                work.run();
                return Boolean.TRUE;
              },
              new LockConfiguration(Instant.now(), name, atMost, Duration.ZERO))
          .wasExecuted();
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }
}
