package dev.tokenwise.cost.reconcile;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Reconciles the last closed days of every provider with an admin key on a schedule ({@code
 * tokenwise.cost.reconciliation.cron}, UTC); says at startup which providers are off and why.
 */
@Component
class ReconciliationJob {

  private static final Logger log = LoggerFactory.getLogger(ReconciliationJob.class);

  private final Reconciler reconciler;
  private final ReconciliationProperties properties;
  private final Clock clock;

  @Autowired
  ReconciliationJob(Reconciler reconciler, ReconciliationProperties properties) {
    this(reconciler, properties, Clock.systemUTC());
  }

  ReconciliationJob(Reconciler reconciler, ReconciliationProperties properties, Clock clock) {
    this.reconciler = reconciler;
    this.properties = properties;
    this.clock = clock;
  }

  @EventListener(ApplicationReadyEvent.class)
  void announce() {
    for (String provider : ReconciliationController.PROVIDERS) {
      if (reconciler.enabled(provider)) {
        log.info(
            "Reconciling {} with its usage and cost reports at {} ({})",
            provider,
            properties.baseUrl(provider),
            properties.cron());
      } else {
        log.info(
            "Reconciliation with {} is off: no admin key (tokenwise.cost.reconciliation.{}.admin-key)",
            provider,
            provider);
      }
    }
  }

  @Scheduled(cron = "${tokenwise.cost.reconciliation.cron:0 30 1 * * *}", zone = "UTC")
  void run() {
    LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    for (String provider : ReconciliationController.PROVIDERS) {
      if (!reconciler.enabled(provider)) {
        continue;
      }
      for (int back = properties.closedDays(); back >= 1; back--) {
        try {
          reconciler.reconcile(provider, today.minusDays(back));
        } catch (RuntimeException e) {
          log.warn(
              "Reconciliation of {} for {} failed: {}",
              provider,
              today.minusDays(back),
              e.toString());
        }
      }
    }
  }
}
