package dev.tokenwise.cache.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tokenwise.cache.exact.ExactCache;
import dev.tokenwise.cache.exact.LookupOutcome;
import dev.tokenwise.cache.exact.StoreOutcome;
import java.time.Instant;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;

/** The cache API the router calls: look an answer up, store an answer (see the team brief). */
@RestController
@RequestMapping("/internal/cache")
class CacheController {

  private final ExactCache exactCache;

  CacheController(ExactCache exactCache) {
    this.exactCache = exactCache;
  }

  /** {@code 200 {"result":"hit-exact",...}} or {@code 200 {"result":"miss"}}. */
  @PostMapping("/lookup")
  Mono<LookupResponse> lookup(@RequestBody(required = false) byte[] body) {
    return Mono.fromCallable(() -> CacheRequestBody.lookup(body))
        .subscribeOn(Schedulers.parallel())
        .flatMap(lookup -> exactCache.lookup(lookup.namespace(), lookup.request()))
        .map(LookupResponse::of);
  }

  /** {@code 201 {"entryId"}}, or a problem when the answer is not stored. */
  @PostMapping("/store")
  Mono<ResponseEntity<?>> store(@RequestBody(required = false) byte[] body) {
    return Mono.fromCallable(() -> CacheRequestBody.store(body))
        .subscribeOn(Schedulers.parallel())
        .flatMap(
            store ->
                exactCache.store(store.namespace(), store.request(), store.response(), store.ttl()))
        .map(CacheController::storeResponse);
  }

  private static ResponseEntity<?> storeResponse(StoreOutcome outcome) {
    if (outcome instanceof StoreOutcome.Stored stored) {
      return ResponseEntity.status(HttpStatus.CREATED).body(new StoreResponse(stored.entryId()));
    }
    if (outcome instanceof StoreOutcome.NotCacheable refused) {
      return ResponseEntity.of(CacheProblems.notCacheable(refused.reason())).build();
    }
    if (outcome instanceof StoreOutcome.TooLarge tooLarge) {
      return ResponseEntity.of(
              CacheProblems.entryTooLarge(tooLarge.sizeBytes(), tooLarge.maxBytes()))
          .build();
    }
    return ResponseEntity.of(CacheProblems.unavailable()).build();
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record LookupResponse(String result, String entryId, Instant storedAt, JsonNode response) {

    static LookupResponse of(LookupOutcome outcome) {
      if (outcome instanceof LookupOutcome.Hit hit) {
        return new LookupResponse("hit-exact", hit.entryId(), hit.storedAt(), hit.response());
      }
      return new LookupResponse("miss", null, null, null);
    }
  }

  record StoreResponse(String entryId) {}
}
