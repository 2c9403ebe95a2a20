package dev.tokenwise.batch.assemble;

import dev.tokenwise.batch.cache.CacheLookups;
import dev.tokenwise.batch.crash.CrashPoint;
import dev.tokenwise.batch.crash.StepHook;
import dev.tokenwise.batch.jobs.JobRunner;
import dev.tokenwise.batch.lock.WorkLock;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;

/**
 * Finds work for the assemble-and-submit job and runs it, one replica at a time: first the provider
 * batches a crash left half-submitted, then every group of queued requests that is due.
 */
@Component
public class Assembler {

  private static final Logger log = LoggerFactory.getLogger(Assembler.class);

  static final String LOCK = "assemble-and-submit";

  private final AssemblyStore store;
  private final JobRunner runner;
  private final Job job;
  private final WorkLock lock;
  private final AssemblyProperties properties;
  private final StepHook steps;
  private final CacheLookups cache;
  private final Clock clock;

  Assembler(
      AssemblyStore store,
      JobRunner runner,
      @Qualifier("assembleAndSubmitJob") Job job,
      WorkLock lock,
      AssemblyProperties properties,
      StepHook steps,
      CacheLookups cache,
      Clock clock) {
    this.store = store;
    this.runner = runner;
    this.job = job;
    this.lock = lock;
    this.properties = properties;
    this.steps = steps;
    this.cache = cache;
    this.clock = clock;
  }

  /**
   * One pass, under the assembler lock; {@code flushAll} submits every queued request now, whatever
   * its age. Returns the provider batches submitted, or empty when another replica holds the lock.
   */
  public List<UUID> runOnce(boolean flushAll) {
    List<UUID> submitted = new ArrayList<>();
    lock.runExclusively(LOCK, properties.lockAtMost(), () -> submitted.addAll(pass(flushAll)));
    return submitted;
  }

  private List<UUID> pass(boolean flushAll) {
    List<UUID> done = new ArrayList<>();
    for (UUID batchId : store.unfinished()) {
      // One batch the provider keeps refusing must not hold up the others: it is retried on the
      // next pass, from the step it reached.
      try {
        run(batchId);
        done.add(batchId);
      } catch (StepHook.Stop stop) {
        throw stop;
      } catch (RuntimeException e) {
        log.warn("Provider batch {} could not be submitted yet: {}", batchId, e.toString());
      }
    }
    List<Group> groups = store.queuedGroups();
    int fromCache = 0;
    for (Group group : groups) {
      if (flushAll || due(group)) {
        // Just before a group goes out: what cache-service already holds is answered from it.
        fromCache += cache.answerQueued(group.provider().id(), group.model(), group.endpoint());
      }
    }
    if (fromCache > 0) {
      log.info("{} queued requests answered from the cache, not submitted", fromCache);
      groups = store.queuedGroups();
    }
    for (Group group : groups) {
      int maxRequests = maxRequests(group);
      long maxBytes = maxBytes(group);
      if (!flushAll && !due(group)) {
        continue;
      }
      long left = group.requests();
      while (left > 0) {
        // A group larger than one batch goes out as several; a partial last batch waits for its
        // own age unless everything is being flushed.
        if (!flushAll && left < maxRequests && !dueByTime(group)) {
          break;
        }
        Optional<UUID> batchId = store.assign(group, maxRequests, maxBytes);
        if (batchId.isEmpty()) {
          break;
        }
        steps.passed(CrashPoint.AFTER_ASSIGN);
        left -= store.load(batchId.get()).requestCount();
        try {
          run(batchId.get());
          done.add(batchId.get());
        } catch (StepHook.Stop stop) {
          throw stop;
        } catch (RuntimeException e) {
          log.warn("Provider batch {} could not be submitted yet: {}", batchId.get(), e.toString());
          break;
        }
      }
    }
    return done;
  }

  private boolean due(Group group) {
    return group.requests() >= maxRequests(group)
        || group.bytes() >= maxBytes(group)
        || dueByTime(group);
  }

  private int maxRequests(Group group) {
    return Math.min(properties.maxRequests(), group.provider().maxRequests());
  }

  private long maxBytes(Group group) {
    return Math.min(properties.maxBytes().toBytes(), group.provider().maxBytes());
  }

  private boolean dueByTime(Group group) {
    Instant now = clock.instant();
    return !group.oldest().plus(properties.maxAge()).isAfter(now)
        || (group.earliestDeadline() != null
            && !group.earliestDeadline().minus(properties.deadlineMargin()).isAfter(now));
  }

  private void run(UUID batchId) {
    runner.run(
        job,
        new JobParametersBuilder()
            .addString("batchId", batchId.toString())
            .addLong("run", System.nanoTime())
            .toJobParameters());
  }
}
