package dev.tokenwise.batch.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Tells cache-service the answers collected from provider batches (an outbox, like usage events),
 * so a later identical request, synchronous or deferred, of the same tenant, route and model is
 * answered from the cache. cache-service decides what it keeps (it refuses cut-off and error
 * answers); while it is down the answers wait and are offered again on the next pass.
 */
@Component
public class CacheStores {

  private static final Logger log = LoggerFactory.getLogger(CacheStores.class);

  private static final int PAGE = 200;

  private final CacheProperties properties;
  private final CacheServiceClient client;
  private final CacheRows rows;

  CacheStores(CacheProperties properties, CacheServiceClient client, CacheRows rows) {
    this.properties = properties;
    this.client = client;
    this.rows = rows;
  }

  /** Offers every waiting answer; returns how many cache-service stored. */
  public int storePending() {
    if (!properties.enabled()) {
      rows.skipPendingStores();
      return 0;
    }
    int stored = 0;
    while (true) {
      List<CacheRows.Answered> page = rows.pendingStores(PAGE);
      if (page.isEmpty()) {
        return stored;
      }
      Semaphore inFlight = new Semaphore(properties.concurrency());
      List<CompletableFuture<CacheServiceClient.Stored>> stores = new ArrayList<>(page.size());
      for (CacheRows.Answered answer : page) {
        inFlight.acquireUninterruptibly();
        CompletableFuture<CacheServiceClient.Stored> store;
        try {
          store =
              client.store(
                  answer.tenant(),
                  answer.route(),
                  answer.model(),
                  answer.cacheRequest(),
                  answer.cachePolicy(),
                  answer.result());
        } catch (RuntimeException e) {
          // an answer that cannot be sent (not JSON) is never offered again
          inFlight.release();
          store = CompletableFuture.completedFuture(CacheServiceClient.Stored.REFUSED);
          stores.add(store);
          continue;
        }
        stores.add(store.whenComplete((outcome, error) -> inFlight.release()));
      }
      boolean failed = false;
      for (int i = 0; i < page.size(); i++) {
        try {
          CacheServiceClient.Stored outcome = stores.get(i).get();
          rows.storeDone(
              page.get(i).id(), outcome == CacheServiceClient.Stored.STORED ? "stored" : "refused");
          if (outcome == CacheServiceClient.Stored.STORED) {
            stored++;
          }
        } catch (ExecutionException e) {
          failed = true;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return stored;
        }
      }
      if (failed) {
        log.warn("cache-service did not take some answers; they are offered again later");
        return stored;
      }
    }
  }
}
