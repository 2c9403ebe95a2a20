package dev.tokenwise.batch.collect;

import dev.tokenwise.batch.crash.StepHook;
import dev.tokenwise.batch.jobs.JobRunner;
import dev.tokenwise.batch.lock.WorkLock;
import dev.tokenwise.batch.provider.BatchApis;
import dev.tokenwise.batch.provider.Provider;
import dev.tokenwise.batch.provider.RemoteBatch;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;

/**
 * Polls submitted provider batches that are due, with exponential backoff between polls, and runs
 * the poll-and-collect job for each that has ended; one replica at a time.
 */
@Component
public class Collector {

  private static final Logger log = LoggerFactory.getLogger(Collector.class);

  static final String LOCK = "poll-and-collect";

  private final CollectStore store;
  private final BatchApis apis;
  private final JobRunner runner;
  private final Job job;
  private final WorkLock lock;
  private final CollectProperties properties;
  private final Clock clock;

  Collector(
      CollectStore store,
      BatchApis apis,
      JobRunner runner,
      @Qualifier("pollAndCollectJob") Job job,
      WorkLock lock,
      CollectProperties properties,
      Clock clock) {
    this.store = store;
    this.apis = apis;
    this.runner = runner;
    this.job = job;
    this.lock = lock;
    this.properties = properties;
    this.clock = clock;
  }

  /**
   * One pass; {@code pollAll} polls every open batch now, whatever its schedule. Returns how many
   * batches were collected.
   */
  public int runOnce(boolean pollAll) {
    int[] collected = {0};
    lock.runExclusively(LOCK, properties.lockAtMost(), () -> collected[0] = pass(pollAll));
    return collected[0];
  }

  private int pass(boolean pollAll) {
    int collected = 0;
    for (CollectStore.OpenBatch batch : store.due(clock.instant(), pollAll)) {
      RemoteBatch remote;
      try {
        remote = apis.of(Provider.of(batch.provider())).status(batch.providerBatchId());
      } catch (RuntimeException e) {
        log.warn("Polling {} failed: {}", batch.providerBatchId(), e.toString());
        store.pollAgain(batch.id(), null, next(batch.pollAttempts()));
        continue;
      }
      if (!remote.ended()) {
        store.pollAgain(batch.id(), remote.status(), next(batch.pollAttempts()));
        continue;
      }
      JobParametersBuilder parameters =
          new JobParametersBuilder()
              .addString("batchId", batch.id().toString())
              .addString("provider", batch.provider())
              .addString("providerBatchId", remote.id())
              .addString("providerStatus", remote.status())
              .addLong("run", System.nanoTime());
      if (remote.outputFileId() != null) {
        parameters.addString("outputFileId", remote.outputFileId());
      }
      if (remote.errorFileId() != null) {
        parameters.addString("errorFileId", remote.errorFileId());
      }
      try {
        runner.run(job, parameters.toJobParameters());
        collected++;
      } catch (StepHook.Stop stop) {
        throw stop;
      } catch (RuntimeException e) {
        // Lines already applied stay applied; the rest are read again on the next try.
        log.warn("Collecting {} failed; retried later: {}", batch.providerBatchId(), e.toString());
        store.pollAgain(batch.id(), remote.status(), next(batch.pollAttempts()));
      }
    }
    return collected;
  }

  private Instant next(int attempts) {
    Duration wait = properties.firstPoll().multipliedBy(1L << Math.min(attempts, 16));
    if (wait.compareTo(properties.maxPollInterval()) > 0) {
      wait = properties.maxPollInterval();
    }
    return clock.instant().plus(wait);
  }
}
