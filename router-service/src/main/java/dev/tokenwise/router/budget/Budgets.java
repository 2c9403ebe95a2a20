package dev.tokenwise.router.budget;

import dev.tokenwise.common.budget.SpendSettlement;
import dev.tokenwise.common.pricing.PriceCatalogs;
import dev.tokenwise.common.pricing.Rates;
import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.request.Deadlines;
import dev.tokenwise.router.request.TokenwiseHeaders;
import dev.tokenwise.router.tenant.Tenant;
import dev.tokenwise.router.tenant.TenantSettings;
import dev.tokenwise.router.tenant.TokenRateLimits;
import dev.tokenwise.router.usage.UsageEvents;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import tools.jackson.databind.JsonNode;

/**
 * A tenant's monthly budget, held across replicas in the router's own Redis keys. Before a provider
 * call the request reserves the worst case of the whole call — the priciest model of its chain at
 * its largest input and output — and is refused when {@code spend + reserved + reservation} would
 * pass the hard cap. The reservation stays until cost-service reports the request's recorded cost
 * ({@link SpendSettlement}, read by {@link SpendSettlementConsumer}); the settlement then moves the
 * request from reserved to spent at its actual cost, atomically and once.
 *
 * <p>Keys, all tagged with the tenant so they share a cluster slot: {@code
 * tokenwise:router:budget:{tenant}:spend:{yyyy-MM}} (settled USD, a decimal string), {@code
 * ...:{tenant}:reserved} (a hash request id → reserved USD), {@code ...:{tenant}:deadlines} (a
 * sorted set request id → when the reservation lapses, on the Redis clock) and {@code
 * ...:{tenant}:settled} (request ids settled within {@link BudgetProperties#settledRetention()})
 * and {@code ...:{tenant}:lapsed} (a hash request id → amount). A reservation whose settlement does
 * not come within {@link BudgetProperties#reservationTimeout()} lapses: every reservation of the
 * tenant first moves lapsed ones into spend at their reserved amount (a budget never forgets spend
 * it cannot see yet); a settlement that comes later replaces that amount with the actual cost.
 */
@Component
public class Budgets {

  private static final Logger log = LoggerFactory.getLogger(Budgets.class);

  private static final String PREFIX = "tokenwise:router:budget:";

  private static final int RESERVE_RETRIES = 2;
  private static final Duration RESERVE_RETRY_DELAY = Duration.ofMillis(100);

  /**
   * KEYS: spend, reserved, deadlines, lapsed, key-of. ARGV: request id, amount, hard cap ('' for
   * none), timeout seconds, spend TTL seconds, lapsed retention seconds, key id ('' for a tenant's
   * own budget: a key's reservation also records which key the request came with, for its
   * settlement). Returns {allowed (1|0), spend, reserved} as strings. Running it again for the same
   * request is safe (a retry after a lost connection): the request's own earlier reservation is not
   * counted against it, and is dropped if the request is refused this time.
   */
  @SuppressWarnings("rawtypes")
  static final RedisScript<List> RESERVE =
      FixedScript.of(
          """
          redis.replicate_commands()
          local t = redis.call('TIME')
          local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
          local lapsed = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
          for _, id in ipairs(lapsed) do
            -- no settlement came in time: spent at what was reserved, until one corrects it
            local held = redis.call('HGET', KEYS[2], id)
            if held then
              redis.call('INCRBYFLOAT', KEYS[1], held)
              redis.call('EXPIRE', KEYS[1], ARGV[5])
              redis.call('HSET', KEYS[4], id, held)
              redis.call('EXPIRE', KEYS[4], ARGV[6])
              redis.call('HDEL', KEYS[2], id)
            end
          end
          if #lapsed > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now) end
          local spend = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
          local own = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0') or 0
          local reserved = -own
          for _, v in ipairs(redis.call('HVALS', KEYS[2])) do reserved = reserved + tonumber(v) end
          local amount = tonumber(ARGV[2])
          if ARGV[3] ~= '' and spend + reserved + amount > tonumber(ARGV[3]) then
            if own > 0 then
              redis.call('HDEL', KEYS[2], ARGV[1])
              redis.call('ZREM', KEYS[3], ARGV[1])
            end
            return {'0', tostring(spend), tostring(reserved)}
          end
          local timeout = tonumber(ARGV[4])
          redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
          redis.call('ZADD', KEYS[3], now + timeout, ARGV[1])
          -- only ever lengthened: a deferred request's day-long reservation must outlive the
          -- minutes-long ones reserved after it
          local ttl = math.ceil(timeout) * 2
          for i = 2, 3 do
            if redis.call('TTL', KEYS[i]) < ttl then redis.call('EXPIRE', KEYS[i], ttl) end
          end
          if ARGV[7] ~= '' then
            redis.call('HSET', KEYS[5], ARGV[1], ARGV[7])
            local keep = ttl + tonumber(ARGV[6])
            if redis.call('TTL', KEYS[5]) < keep then redis.call('EXPIRE', KEYS[5], keep) end
          end
          return {'1', tostring(spend), tostring(reserved)}
          """,
          List.class);

  /**
   * KEYS: spend (the settlement's month), reserved, deadlines, settled, lapsed. ARGV: request id,
   * cost ('' when unknown: the reservation is kept as the spend), spend TTL seconds, settled
   * retention seconds. Returns {@code settled} or {@code duplicate}. A request whose reservation
   * lapsed was counted as spent at its reserved amount: its settlement replaces that amount with
   * the actual cost.
   */
  static final RedisScript<String> SETTLE =
      FixedScript.of(
          """
          redis.replicate_commands()
          if redis.call('ZSCORE', KEYS[4], ARGV[1]) then return 'duplicate' end
          local t = redis.call('TIME')
          local now = tonumber(t[1])
          local reserved = redis.call('HGET', KEYS[2], ARGV[1])
          if reserved then
            redis.call('HDEL', KEYS[2], ARGV[1])
            redis.call('ZREM', KEYS[3], ARGV[1])
          end
          local held = redis.call('HGET', KEYS[5], ARGV[1])
          if held then redis.call('HDEL', KEYS[5], ARGV[1]) end
          local cost = ARGV[2]
          if cost == '' then cost = reserved or held or '0' end
          local delta = tonumber(cost) - tonumber(held or '0')
          if delta ~= 0 then
            redis.call('INCRBYFLOAT', KEYS[1], tostring(delta))
            redis.call('EXPIRE', KEYS[1], ARGV[3])
          end
          redis.call('ZADD', KEYS[4], now, ARGV[1])
          redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - tonumber(ARGV[4]))
          redis.call('EXPIRE', KEYS[4], ARGV[4])
          return 'settled'
          """,
          String.class);

  /** KEYS: reserved, deadlines. ARGV: request id. Drops the request's reservation, if any. */
  private static final RedisScript<Long> RELEASE =
      FixedScript.of(
          """
          redis.call('ZREM', KEYS[2], ARGV[1])
          return redis.call('HDEL', KEYS[1], ARGV[1])
          """,
          Long.class);

  private final ReactiveStringRedisTemplate redis;
  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

  private final PriceCatalogs catalogs;
  private final TenantSettings settings;
  private final BudgetProperties properties;
  private final Clock clock = Clock.systemUTC();

  public Budgets(
      ReactiveStringRedisTemplate redis,
      PriceCatalogs catalogs,
      BudgetProperties properties,
      TenantSettings settings) {
    this.settings = settings;
    this.redis = redis;
    this.catalogs = catalogs;
    this.properties = properties;
  }

  /**
   * Whose budget: a tenant's ({@code {tenant}}) or one key's within it ({@code {tenant}:key:<id>}).
   * Both carry the tenant's hash tag, so one script sees a subject's keys together and a tenant's
   * subjects share a cluster slot.
   */
  record Subject(String tenant, String keyId) {

    static Subject tenant(String tenant) {
      return new Subject(tenant, null);
    }

    String prefix() {
      return PREFIX + "{" + tenant + "}" + (keyId == null ? "" : ":key:" + keyId);
    }

    String describe() {
      return keyId == null
          ? "tenant '" + tenant + "'"
          : "key '" + keyId + "' of tenant '" + tenant + "'";
    }
  }

  static String spendKey(String tenant, YearMonth month) {
    return spendKey(Subject.tenant(tenant), month);
  }

  static String spendKey(Subject subject, YearMonth month) {
    return subject.prefix() + ":spend:" + month;
  }

  static String reservedKey(String tenant) {
    return reservedKey(Subject.tenant(tenant));
  }

  static String reservedKey(Subject subject) {
    return subject.prefix() + ":reserved";
  }

  static String deadlinesKey(Subject subject) {
    return subject.prefix() + ":deadlines";
  }

  static String deadlinesKey(String tenant) {
    return deadlinesKey(Subject.tenant(tenant));
  }

  static String settledKey(String tenant) {
    return settledKey(Subject.tenant(tenant));
  }

  static String settledKey(Subject subject) {
    return subject.prefix() + ":settled";
  }

  /** A hash: request id → the reserved amount counted as spent when its reservation lapsed. */
  static String lapsedKey(Subject subject) {
    return subject.prefix() + ":lapsed";
  }

  /** A hash: request id → the id of the key budget it was reserved against as well. */
  static String keyOfKey(String tenant) {
    return PREFIX + "{" + tenant + "}:key-of";
  }

  /**
   * The tenant's budget, or null for none: the one place budgets are looked up, so that a store
   * behind an admin API can replace configuration here.
   */
  /**
   * The tenant's caps: a budget set through the admin API wins over the configured one; empty when
   * the tenant has neither.
   */
  Mono<BudgetProperties.Caps> caps(String tenant) {
    return settings
        .monthlyBudget(tenant)
        .map(
            budget -> {
              // the admin API sets amounts; the tenant's configured failure mode still applies
              BudgetProperties.Caps configured = properties.tenants().get(tenant);
              return new BudgetProperties.Caps(
                  budget.hardUsd(),
                  budget.softUsd(),
                  configured == null ? null : configured.whenRedisDown());
            })
        .switchIfEmpty(Mono.justOrEmpty(properties.tenants().get(tenant)));
  }

  /**
   * Whether the tenant may have a budget (no estimate is worth making for one without): a
   * configured one, or one set through the admin API, or not known yet.
   */
  public boolean applies(String tenant) {
    return properties.tenants().containsKey(tenant) || settings.mayHaveBudget(tenant);
  }

  /** As {@link #applies(String)}, or the caller's key has a budget of its own. */
  public boolean applies(Tenant caller) {
    return keyBudget(caller) || applies(caller.id());
  }

  private static boolean keyBudget(Tenant caller) {
    return caller != null && caller.budgetUsd() != null && caller.keyId() != null;
  }

  /**
   * Reserves the worst case of a chat call against its tenant's budget: for every model the call
   * may be served by (the chosen model, then its fallbacks), the prompt estimate times {@link
   * BudgetProperties#inputMargin()} all billed as input at its priciest rate (a one-hour cache
   * write), plus the output limit, or the model's output ceiling when uncapped; the priciest model
   * counts. A route that repairs invalid schema answers may call twice; the repair resends the
   * prompt with the first answer. Errors with 402 {@code budget_exceeded} when the hard cap would
   * be passed; sets {@code Tokenwise-Budget-Warning} past the soft cap. Completes at once for a
   * tenant without a budget.
   *
   * @param models the call's chain, first choice first
   * @param promptTokens common's estimate of the prompt
   * @param maxOutputTokens the output limit sent to the provider, or null when uncapped
   * @param mayRepair whether a second (repair) call can follow the first
   */
  public Mono<Void> reserve(
      ServerWebExchange exchange,
      Tenant caller,
      UsageEvents.Request facts,
      Collection<String> models,
      long promptTokens,
      Long maxOutputTokens,
      boolean mayRepair) {
    return reserveAll(
        exchange,
        caller,
        facts,
        worstCase(models, promptTokens, maxOutputTokens, mayRepair),
        properties.reservationTimeout());
  }

  /**
   * Reserves against the tenant's budget, then against the caller's key budget (when its key has
   * one): a request must fit both, and a key refused after its tenant admitted it gives the
   * tenant's reservation back at once.
   */
  private Mono<Void> reserveAll(
      ServerWebExchange exchange,
      Tenant caller,
      UsageEvents.Request facts,
      BigDecimal amount,
      Duration timeout) {
    String tenant = facts.tenant();
    Mono<Void> tenantPart =
        caps(tenant)
            .flatMap(
                caps -> reserveUsd(exchange, facts, Subject.tenant(tenant), caps, amount, timeout));
    if (!keyBudget(caller)) {
      return tenantPart;
    }
    Subject key = new Subject(tenant, caller.keyId());
    Mono<BudgetProperties.Caps> keyCaps =
        caps(tenant)
            .map(c -> new BudgetProperties.Caps(caller.budgetUsd(), null, c.whenRedisDown()))
            .defaultIfEmpty(new BudgetProperties.Caps(caller.budgetUsd(), null, null));
    return tenantPart.then(
        keyCaps.flatMap(
            caps ->
                reserveUsd(exchange, facts, key, caps, amount, timeout)
                    .onErrorResume(
                        e -> release(tenant, facts.requestId()).then(Mono.<Void>error(e)))));
  }

  /**
   * Reserves a deferred request as {@link #reserve} reserves a synchronous one: batch-service may
   * answer it at the synchronous price (its fallback near a deadline), so the worst case is the
   * same. The reservation waits {@link BudgetProperties#deferredReservationTimeout()} for its
   * settlement, which comes once the provider's batch has answered and cost-service has recorded
   * the usage event batch-service sends for it.
   */
  public Mono<Void> reserveDeferred(
      ServerWebExchange exchange,
      Tenant caller,
      UsageEvents.Request facts,
      Collection<String> models,
      long promptTokens,
      Long maxOutputTokens) {
    return reserveAll(
        exchange,
        caller,
        facts,
        worstCase(models, promptTokens, maxOutputTokens, false),
        properties.deferredReservationTimeout());
  }

  /**
   * Drops a request's reservation when it will cost nothing after all (batch-service refused the
   * deferred request). Best effort: a reservation left behind lapses at its deadline.
   */
  public Mono<Void> release(String tenant, String requestId) {
    return release(Subject.tenant(tenant), requestId);
  }

  /** As {@link #release(String, String)}, and the caller's key budget's reservation too. */
  public Mono<Void> release(Tenant caller, String requestId) {
    Mono<Void> tenant = release(caller.id(), requestId);
    return keyBudget(caller)
        ? tenant.then(release(new Subject(caller.id(), caller.keyId()), requestId))
        : tenant;
  }

  private Mono<Void> release(Subject subject, String requestId) {
    return redis
        .execute(RELEASE, List.of(reservedKey(subject), deadlinesKey(subject)), List.of(requestId))
        .next()
        .transform(call -> Deadlines.within(call, properties.redisTimeout()))
        .doOnError(e -> log.warn("Reservation {} not released: {}", requestId, e.toString()))
        .onErrorResume(e -> Mono.empty())
        .then();
  }

  private BigDecimal worstCase(
      Collection<String> models, long promptTokens, Long maxOutputTokens, boolean mayRepair) {
    long input = withMargin(promptTokens);
    BigDecimal worst = BigDecimal.ZERO;
    for (String model : models) {
      long output =
          maxOutputTokens != null && maxOutputTokens > 0
              ? maxOutputTokens
              : properties
                  .maxOutputTokens()
                  .getOrDefault(model, properties.defaultMaxOutputTokens());
      BigDecimal cost = callCost(model, input, output);
      if (mayRepair) {
        cost = cost.add(callCost(model, input + output, output));
      }
      worst = worst.max(cost);
    }
    return worst;
  }

  /**
   * The output limit an uncapped request of a tenant with a budget is sent with: the smallest
   * ceiling of the models that may serve it, so no answer runs past what {@link #reserve} reserved
   * for it.
   */
  public long outputCeiling(Collection<String> models) {
    long ceiling = Long.MAX_VALUE;
    for (String model : models) {
      ceiling =
          Math.min(
              ceiling,
              properties
                  .maxOutputTokens()
                  .getOrDefault(model, properties.defaultMaxOutputTokens()));
    }
    return ceiling == Long.MAX_VALUE ? properties.defaultMaxOutputTokens() : ceiling;
  }

  /**
   * The prompt's input as the budget reserves it: the text estimate plus {@link
   * BudgetProperties#mediaPartTokens()} for each image, audio or file part.
   */
  public long promptTokens(String model, JsonNode request) {
    return TokenRateLimits.promptTokens(model, request)
        + TokenRateLimits.mediaParts(request) * properties.mediaPartTokens();
  }

  /** Reserves a call that produces no output tokens (embeddings), as {@link #reserve} does. */
  public Mono<Void> reserveInputOnly(
      ServerWebExchange exchange, Tenant caller, UsageEvents.Request facts, long promptTokens) {
    return reserveAll(
        exchange,
        caller,
        facts,
        callCost(facts.requestedModel(), withMargin(promptTokens), 0),
        properties.reservationTimeout());
  }

  private long withMargin(long promptTokens) {
    return new BigDecimal(promptTokens)
        .multiply(properties.inputMargin())
        .setScale(0, RoundingMode.CEILING)
        .longValueExact();
  }

  /**
   * How a failed reservation is tried again: twice, {@code delay} apart, and only when the command
   * may not have reached Redis. A connection Redis dropped (a restart) fails the first command sent
   * on it; the script is safe to run again, so trying again shortly beats refusing the request or
   * skipping the check. An answer from Redis itself (a script error, out of memory) would be the
   * same the next time, and a timeout has already spent the wait, so those are not retried. When
   * the retries run out, the original error decides between fail-open and fail-closed.
   */
  static Retry reserveRetry(Duration delay) {
    return Retry.fixedDelay(RESERVE_RETRIES, delay)
        .filter(Budgets::mayNotHaveReachedRedis)
        .onRetryExhaustedThrow((spec, signal) -> signal.failure());
  }

  /**
   * True unless {@code error} is, or was caused by, Redis answering with an error or a timeout:
   * what is left is the transport (a closed connection, a broken pipe, a refused connect).
   */
  static boolean mayNotHaveReachedRedis(Throwable error) {
    Throwable e = error;
    for (int depth = 0; e != null && depth < 16; depth++, e = e.getCause()) {
      if (e instanceof TimeoutException
          || e instanceof QueryTimeoutException
          || e instanceof RedisCommandTimeoutException
          || e instanceof RedisCommandExecutionException) {
        return false;
      }
    }
    return true;
  }

  private Mono<Void> reserveUsd(
      ServerWebExchange exchange,
      UsageEvents.Request facts,
      Subject subject,
      BudgetProperties.Caps caps,
      BigDecimal amount,
      Duration timeout) {
    YearMonth month = YearMonth.now(clock.withZone(ZoneOffset.UTC));
    String tenant = facts.tenant();
    String hard = caps.hardUsd() == null ? "" : caps.hardUsd().toPlainString();
    return redis
        .execute(
            RESERVE,
            List.of(
                spendKey(subject, month),
                reservedKey(subject),
                deadlinesKey(subject),
                lapsedKey(subject),
                keyOfKey(tenant)),
            List.of(
                facts.requestId(),
                amount.toPlainString(),
                hard,
                String.valueOf(Math.max(1, timeout.toSeconds())),
                String.valueOf(Math.max(1, properties.spendTtl().toSeconds())),
                String.valueOf(Math.max(1, properties.settledRetention().toSeconds())),
                subject.keyId() == null ? "" : subject.keyId()))
        .next()
        .retryWhen(reserveRetry(RESERVE_RETRY_DELAY))
        .transform(call -> Deadlines.within(call, properties.redisTimeout()))
        .map(result -> new Reply(result, null))
        .onErrorResume(e -> Mono.just(new Reply(null, e)))
        .flatMap(
            reply -> {
              if (reply.error() != null) {
                return unavailable(subject, caps, reply.error());
              }
              List<?> result = reply.result();
              boolean allowed = "1".equals(String.valueOf(result.get(0)));
              BigDecimal spend = new BigDecimal(String.valueOf(result.get(1)));
              if (!allowed) {
                return Mono.error(
                    new OpenAiApiException(
                        HttpStatus.PAYMENT_REQUIRED,
                        "The monthly budget of "
                            + subject.describe()
                            + " is exhausted (hard cap "
                            + hard
                            + " USD).",
                        "insufficient_quota",
                        null,
                        "budget_exceeded"));
              }
              if (caps.softUsd() != null && spend.compareTo(caps.softUsd()) >= 0) {
                exchange
                    .getResponse()
                    .getHeaders()
                    .set(
                        TokenwiseHeaders.BUDGET_WARNING,
                        "soft-cap-exceeded; spend="
                            + spend.toPlainString()
                            + "; soft="
                            + caps.softUsd().toPlainString());
              }
              return Mono.<Void>empty();
            });
  }

  private record Reply(List<?> result, Throwable error) {}

  private Mono<Void> unavailable(Subject subject, BudgetProperties.Caps caps, Throwable error) {
    BudgetProperties.FailureMode mode =
        caps.whenRedisDown() != null ? caps.whenRedisDown() : properties.whenRedisDown();
    if (mode == BudgetProperties.FailureMode.OPEN) {
      log.warn("Budget check skipped (fails open), Redis unavailable: {}", error.toString());
      return Mono.empty();
    }
    log.warn("Request refused (budget fails closed), Redis unavailable: {}", error.toString());
    return Mono.error(
        new OpenAiApiException(
            HttpStatus.SERVICE_UNAVAILABLE,
            "The monthly budget of "
                + subject.describe()
                + " cannot be checked right now; retry shortly.",
            "server_error",
            null,
            "budget_unavailable"));
  }

  /**
   * One call's cost at {@code input} tokens, all billed at the model's priciest input rate (a
   * one-hour cache write is the dearest where the provider charges for writes), with the
   * long-context tier when the prompt reaches it; a model the catalog in force does not price
   * reserves {@link BudgetProperties#unpricedReserveUsd()}.
   */
  private BigDecimal callCost(String model, long input, long output) {
    return catalogs
        .current()
        .find(model)
        .map(
            price -> {
              Rates rates = price.ratesFor(input);
              BigDecimal inputRate =
                  rates.input().max(rates.cacheWrite5m()).max(rates.cacheWrite1h());
              return inputRate
                  .multiply(BigDecimal.valueOf(input))
                  .add(rates.output().multiply(BigDecimal.valueOf(output)))
                  .divide(MILLION, 10, RoundingMode.CEILING);
            })
        .orElse(properties.unpricedReserveUsd());
  }
}
