package dev.tokenwise.batch.schedule;

import dev.tokenwise.batch.assemble.Assembler;
import dev.tokenwise.batch.cache.CacheStores;
import dev.tokenwise.batch.collect.Collector;
import dev.tokenwise.batch.delivery.WebhookDeliverer;
import dev.tokenwise.batch.delivery.WebhookProperties;
import dev.tokenwise.batch.lock.WorkLock;
import dev.tokenwise.batch.usage.UsagePublisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Runs each kind of batch work on its interval. A failed pass is logged and the next pass resumes
 * from what the database says, as after a restart. Off with {@code
 * tokenwise.batch.scheduling.enabled=false} (tests drive the work themselves).
 */
@Component
@ConditionalOnProperty(
    name = "tokenwise.batch.scheduling.enabled",
    havingValue = "true",
    matchIfMissing = true)
class BatchSchedule {

  private static final Logger log = LoggerFactory.getLogger(BatchSchedule.class);

  private final Assembler assembler;
  private final Collector collector;
  private final UsagePublisher usage;
  private final WebhookDeliverer webhooks;
  private final CacheStores cacheStores;
  private final WebhookProperties webhookProperties;
  private final WorkLock lock;

  BatchSchedule(
      Assembler assembler,
      Collector collector,
      UsagePublisher usage,
      WebhookDeliverer webhooks,
      CacheStores cacheStores,
      WebhookProperties webhookProperties,
      WorkLock lock) {
    this.assembler = assembler;
    this.collector = collector;
    this.usage = usage;
    this.webhooks = webhooks;
    this.cacheStores = cacheStores;
    this.webhookProperties = webhookProperties;
    this.lock = lock;
  }

  @Scheduled(fixedDelayString = "${tokenwise.batch.assembly.interval:10s}")
  void assemble() {
    guarded("assemble-and-submit", () -> assembler.runOnce(false));
  }

  @Scheduled(fixedDelayString = "${tokenwise.batch.collect.interval:10s}")
  void collect() {
    guarded("poll-and-collect", () -> collector.runOnce(false));
  }

  @Scheduled(fixedDelayString = "${tokenwise.batch.webhook.interval:5s}")
  void publishAndDeliver() {
    // One replica at a time, so a webhook is not posted twice at once; a retry after a crash can
    // still repeat one, which receivers drop by its Tokenwise-Webhook-Id.
    guarded(
        "usage and delivery",
        () ->
            lock.runExclusively(
                "usage-and-delivery",
                webhookProperties.lockAtMost(),
                () -> {
                  usage.publishPending();
                  webhooks.deliverDue();
                  cacheStores.storePending();
                }));
  }

  private static void guarded(String name, Runnable work) {
    try {
      work.run();
    } catch (RuntimeException e) {
      log.warn("{} pass failed; the next pass resumes: {}", name, e.toString());
    }
  }
}
