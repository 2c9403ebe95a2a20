package dev.tokenwise.cache.api;

import dev.tokenwise.cache.exact.ExactCache;
import dev.tokenwise.cache.exact.LookupOutcome;
import dev.tokenwise.cache.exact.StoreOutcome;
import dev.tokenwise.cache.semantic.InvalidationScope;
import dev.tokenwise.cache.semantic.SemanticCache;
import dev.tokenwise.cache.semantic.SemanticOutcome;
import dev.tokenwise.cache.semantic.SemanticPolicy;
import dev.tokenwise.common.cache.CacheApi;
import dev.tokenwise.common.cache.CacheApi.InvalidateResult;
import dev.tokenwise.common.cache.CacheApi.LookupResult;
import dev.tokenwise.common.cache.CacheApi.ShadowResult;
import dev.tokenwise.common.cache.CacheApi.StoreResult;
import dev.tokenwise.common.security.CallerNotAllowedException;
import dev.tokenwise.common.security.ServiceCaller;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;

/**
 * The cache API the router and batch-service call: look an answer up (exact, then semantic), store
 * an answer, invalidate, report a shadow comparison, read stats (see README.md, "API"). The paths
 * and bodies are common's {@link CacheApi}; the request bodies are read by {@link
 * CacheRequestBody}, which names the member that is wrong.
 */
@RestController
class CacheController {

  private static final Logger log = LoggerFactory.getLogger(CacheController.class);

  private final ExactCache exactCache;
  private final SemanticCache semanticCache;
  private final VerdictProperties verdicts;

  CacheController(ExactCache exactCache, SemanticCache semanticCache, VerdictProperties verdicts) {
    this.exactCache = exactCache;
    this.semanticCache = semanticCache;
    this.verdicts = verdicts;
  }

  /**
   * {@code 200 {"result":"hit-exact"|"hit-semantic"|"miss"|"bypass",...}}: exact first; on an exact
   * miss the semantic cache when the route's policy allows.
   */
  @PostMapping(CacheApi.LOOKUP)
  Mono<LookupResult> lookup(
      @RequestBody(required = false) byte[] body, ServerWebExchange exchange) {
    ServiceCaller caller = ServiceAuthFilter.caller(exchange);
    return Mono.fromCallable(() -> tenantChecked(caller, CacheRequestBody.lookup(body)))
        .subscribeOn(Schedulers.parallel())
        .flatMap(this::lookup);
  }

  private Mono<LookupResult> lookup(CacheRequestBody.Lookup lookup) {
    if (lookup.cacheControl().noCache()) {
      return Mono.just(bypass(lookup.cacheControl().noStore()));
    }
    SemanticPolicy policy = semanticCache.policy(lookup.namespace().route(), lookup.policy());
    return exactCache
        .lookup(
            lookup.namespace(),
            lookup.request(),
            policy.versionKey(),
            CacheRequestBody.normalizeWhitespace(lookup.policy()))
        .flatMap(
            exact -> {
              if (exact instanceof LookupOutcome.Hit hit) {
                return Mono.just(exact(hit));
              }
              String exactKey = ((LookupOutcome.Miss) exact).entryId();
              return semanticCache
                  .lookup(lookup.namespace(), lookup.request(), policy, exactKey)
                  .map(CacheController::semantic);
            });
  }

  /** {@code 201 {"entryId","semanticEntryId"?}}, or a problem when the answer is not stored. */
  @PostMapping(CacheApi.STORE)
  Mono<ResponseEntity<?>> store(
      @RequestBody(required = false) byte[] body, ServerWebExchange exchange) {
    ServiceCaller caller = ServiceAuthFilter.caller(exchange);
    return Mono.fromCallable(() -> tenantChecked(caller, CacheRequestBody.store(body)))
        .subscribeOn(Schedulers.parallel())
        .flatMap(this::store);
  }

  private Mono<ResponseEntity<?>> store(CacheRequestBody.Store store) {
    if (store.cacheControl().noStore()) {
      return Mono.just(
          ResponseEntity.of(CacheProblems.notCacheable("the client asked for no-store")).build());
    }
    SemanticPolicy policy = semanticCache.policy(store.namespace().route(), store.policy());
    return exactCache
        .store(
            store.namespace(),
            store.request(),
            store.response(),
            store.ttl(),
            policy.versionKey(),
            CacheRequestBody.normalizeWhitespace(store.policy()))
        .flatMap(
            outcome -> {
              if (!(outcome instanceof StoreOutcome.Stored stored)) {
                return Mono.just(storeResponse(outcome));
              }
              return semanticCache
                  .store(store.namespace(), store.request(), store.response(), stored.ttl(), policy)
                  .<ResponseEntity<?>>map(semanticId -> created(stored.entryId(), semanticId))
                  .defaultIfEmpty(created(stored.entryId(), null));
            });
  }

  /**
   * {@code 200 {"invalidated":n,"scope":"tenant|route|namespace|entry"}}: removes the scope's exact
   * and semantic entries on every replica.
   */
  @PostMapping(CacheApi.INVALIDATE)
  Mono<InvalidateResult> invalidate(
      @RequestBody(required = false) byte[] body, ServerWebExchange exchange) {
    ServiceCaller caller = ServiceAuthFilter.caller(exchange);
    return Mono.fromCallable(
            () -> {
              CacheRequestBody.Invalidate request = CacheRequestBody.invalidate(body);
              CallerNotAllowedException.requireTenant(caller, request.tenant());
              return request;
            })
        .subscribeOn(Schedulers.parallel())
        .flatMap(
            request -> {
              InvalidationScope scope =
                  new InvalidationScope(
                      request.tenant(), request.route(), request.model(), request.entryId());
              return semanticCache
                  .invalidate(scope)
                  .timeout(java.time.Duration.ofSeconds(30))
                  .onErrorMap(error -> CacheProblems.unavailableException())
                  .map(removed -> new InvalidateResult(removed, scope.level()));
            });
  }

  /**
   * {@code 202 {"falseHitEstimate":x,"learnedThreshold":y}}: the router asked the model too for a
   * hit flagged {@code shadow} (or the client gave feedback on it) and says whether the cached
   * answer agreed. 503 when the verdict could not be recorded (Redis failed or was slow), so the
   * caller knows it was not; a verdict id recorded before is accepted again and not counted twice.
   * The router sends verdicts here only when it cannot put them on the verdict stream ({@link
   * VerdictStreamConsumer}).
   */
  @PostMapping(CacheApi.SHADOW)
  Mono<ResponseEntity<ShadowResult>> shadow(
      @RequestBody(required = false) byte[] body, ServerWebExchange exchange) {
    ServiceCaller caller = ServiceAuthFilter.caller(exchange);
    return Mono.fromCallable(
            () -> {
              CacheRequestBody.ShadowReport report = CacheRequestBody.shadowReport(body);
              CallerNotAllowedException.requireTenant(caller, report.namespace().tenant());
              return report;
            })
        .subscribeOn(Schedulers.parallel())
        .flatMap(
            report ->
                semanticCache
                    .shadowReport(
                        report.namespace(),
                        report.entryId(),
                        report.similarity(),
                        report.agreed(),
                        report.verdictId(),
                        verdicts.remember())
                    .onErrorMap(
                        error -> {
                          log.warn("Verdict not recorded, answering 503: {}", error.toString());
                          return CacheProblems.unavailableException();
                        })
                    .map(
                        result -> {
                          double estimate =
                              semanticCache.falseHitEstimate(report.namespace().route());
                          return ResponseEntity.status(HttpStatus.ACCEPTED)
                              .body(
                                  new ShadowResult(
                                      Double.isNaN(estimate) ? null : estimate,
                                      result.learnedThreshold()));
                        }));
  }

  /** {@code 200 {"semantic":{...}}}: this replica's index and embedding figures. */
  @GetMapping(CacheApi.STATS)
  Mono<JsonNode> stats() {
    return Mono.fromCallable(
            () -> {
              var root = tools.jackson.databind.node.JsonNodeFactory.instance.objectNode();
              root.set("semantic", semanticCache.stats());
              return (JsonNode) root;
            })
        .subscribeOn(Schedulers.boundedElastic());
  }

  private static CacheRequestBody.Lookup tenantChecked(
      ServiceCaller caller, CacheRequestBody.Lookup lookup) {
    CallerNotAllowedException.requireTenant(caller, lookup.namespace().tenant());
    return lookup;
  }

  private static CacheRequestBody.Store tenantChecked(
      ServiceCaller caller, CacheRequestBody.Store store) {
    CallerNotAllowedException.requireTenant(caller, store.namespace().tenant());
    return store;
  }

  private static ResponseEntity<?> created(String entryId, String semanticEntryId) {
    return ResponseEntity.status(HttpStatus.CREATED)
        .body(new StoreResult(entryId, semanticEntryId));
  }

  private static ResponseEntity<?> storeResponse(StoreOutcome outcome) {
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

  private static LookupResult exact(LookupOutcome.Hit hit) {
    return new LookupResult(
        LookupResult.HIT_EXACT,
        hit.entryId(),
        hit.storedAt(),
        null,
        null,
        null,
        null,
        hit.response());
  }

  private static LookupResult semantic(SemanticOutcome outcome) {
    if (outcome instanceof SemanticOutcome.Hit hit) {
      return new LookupResult(
          LookupResult.HIT_SEMANTIC,
          hit.entryId(),
          hit.storedAt(),
          Math.round(hit.similarity() * 10_000) / 10_000.0,
          hit.shadow() ? Boolean.TRUE : null,
          null,
          null,
          hit.response());
    }
    if (outcome instanceof SemanticOutcome.Bypass bypass) {
      // The exact cache was consulted and missed; only the semantic cache was bypassed.
      return new LookupResult(
          LookupResult.MISS, null, null, null, null, bypass.reason(), null, null);
    }
    return new LookupResult(LookupResult.MISS, null, null, null, null, null, null, null);
  }

  private static LookupResult bypass(boolean noStore) {
    return new LookupResult(
        LookupResult.BYPASS, null, null, null, null, null, noStore ? Boolean.FALSE : null, null);
  }
}
