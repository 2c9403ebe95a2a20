package dev.tokenwise.router.budget;

import dev.tokenwise.common.budget.TenantSpendKey;
import dev.tokenwise.common.translate.NormalizedUsage;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.provider.ProviderKind;
import dev.tokenwise.router.request.TokenwiseHeaders;
import dev.tokenwise.router.tenant.TenantSettings;
import dev.tokenwise.router.usage.CostEstimator;
import dev.tokenwise.router.usage.UsageEvents;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Checks a tenant's monthly budget before a provider call and reserves the request's largest
 * possible cost, atomically in Redis, so concurrent requests on any replica see each other: a
 * request is refused when {@code spend + reserved + its estimate} would pass the hard cap. The
 * reservation is released when the request's usage event is published; when {@link
 * BudgetProperties#recordSpend()} is on, the answer's estimated cost is added to the spend key.
 *
 * <p>The spend key {@code tokenwise:budget:spend:{tenant}:{yyyy-MM}} is cost-service's (a decimal
 * USD string); the reservation key {@code tokenwise:budget:reserved:{tenant}:{yyyy-MM}} is the
 * router's. When Redis is unreachable the check fails open: budgets are a guard rail, and the usage
 * events still reach cost-service through the spool.
 */
@Component
public class Budgets {

  private static final Logger log = LoggerFactory.getLogger(Budgets.class);

  /** Returns {allowed (1|0), spend, reserved} as strings. */
  private static final RedisScript<List> RESERVE =
      RedisScript.of(
          """
          local spend = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
          local reserved = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
          local amount = tonumber(ARGV[1])
          if ARGV[2] ~= '' and spend + reserved + amount > tonumber(ARGV[2]) then
            return {'0', tostring(spend), tostring(reserved)}
          end
          redis.call('INCRBYFLOAT', KEYS[2], ARGV[1])
          redis.call('EXPIRE', KEYS[2], ARGV[3])
          return {'1', tostring(spend), tostring(reserved)}
          """,
          List.class);

  /** Releases a reservation and, when asked, adds the actual cost to the spend. */
  private static final RedisScript<String> SETTLE =
      RedisScript.of(
          """
          local left = tonumber(redis.call('INCRBYFLOAT', KEYS[2], '-' .. ARGV[1]))
          if left < 0 then redis.call('SET', KEYS[2], '0') end
          redis.call('EXPIRE', KEYS[2], ARGV[3])
          if ARGV[2] ~= '' then
            redis.call('INCRBYFLOAT', KEYS[1], ARGV[2])
            redis.call('EXPIRE', KEYS[1], 5356800)
          end
          return 'ok'
          """,
          String.class);

  private record Reservation(String tenant, YearMonth month, BigDecimal amount) {}

  private final ReactiveStringRedisTemplate redis;
  private final CostEstimator costs;
  private final BudgetProperties properties;
  private final TenantSettings settings;
  private final Clock clock = Clock.systemUTC();
  private final Map<String, Reservation> inFlight = new ConcurrentHashMap<>();

  public Budgets(
      ReactiveStringRedisTemplate redis,
      CostEstimator costs,
      BudgetProperties properties,
      TenantSettings settings) {
    this.redis = redis;
    this.costs = costs;
    this.properties = properties;
    this.settings = settings;
  }

  public static String spendKey(String tenant, YearMonth month) {
    return TenantSpendKey.of(tenant, month);
  }

  static String reservedKey(String tenant, YearMonth month) {
    return "tokenwise:budget:reserved:" + tenant + ":" + month;
  }

  /**
   * Reserves the request's largest cost against its tenant's budget. Errors with 402 {@code
   * budget_exceeded} when the hard cap would be passed; sets {@code Tokenwise-Budget-Warning} when
   * the soft cap is passed. Completes at once for a tenant without a budget and no recorded spend.
   *
   * @param estimatedInputTokens an upper estimate of the prompt
   * @param maxOutputTokens the request's output limit, or null
   */
  public Mono<Void> reserve(
      ServerWebExchange exchange,
      UsageEvents.Request facts,
      long estimatedInputTokens,
      Long maxOutputTokens) {
    long output =
        maxOutputTokens != null && maxOutputTokens > 0
            ? maxOutputTokens
            : properties.defaultMaxOutputTokens();
    return reserveTokens(exchange, facts, estimatedInputTokens, output);
  }

  /**
   * Reserves the cost of a request that produces no output tokens (embeddings), as {@link
   * #reserve(ServerWebExchange, UsageEvents.Request, long, Long)} does.
   */
  public Mono<Void> reserveInputOnly(
      ServerWebExchange exchange, UsageEvents.Request facts, long estimatedInputTokens) {
    return reserveTokens(exchange, facts, estimatedInputTokens, 0);
  }

  private Mono<Void> reserveTokens(
      ServerWebExchange exchange,
      UsageEvents.Request facts,
      long estimatedInputTokens,
      long output) {
    // a budget set through the admin API wins over the configured one
    return settings
        .monthlyBudget(facts.tenant())
        .map(b -> Optional.of(new BudgetProperties.Caps(b.hardUsd(), b.softUsd())))
        .defaultIfEmpty(Optional.ofNullable(properties.tenants().get(facts.tenant())))
        .flatMap(
            caps ->
                reserveTokens(exchange, facts, estimatedInputTokens, output, caps.orElse(null)));
  }

  private Mono<Void> reserveTokens(
      ServerWebExchange exchange,
      UsageEvents.Request facts,
      long estimatedInputTokens,
      long output,
      BudgetProperties.Caps caps) {
    if (caps == null && !properties.recordSpend()) {
      return Mono.empty();
    }
    BigDecimal amount = maxCost(facts, estimatedInputTokens, output);
    YearMonth month = YearMonth.now(clock.withZone(ZoneOffset.UTC));
    String hard = caps == null || caps.hardUsd() == null ? "" : caps.hardUsd().toPlainString();
    return redis
        .execute(
            RESERVE,
            List.of(spendKey(facts.tenant(), month), reservedKey(facts.tenant(), month)),
            List.of(
                amount.toPlainString(),
                hard,
                String.valueOf(Math.max(1, properties.reservationTtl().toSeconds()))))
        .next()
        .timeout(properties.redisTimeout())
        .onErrorResume(
            e -> {
              log.warn("Budget check skipped, Redis unavailable: {}", e.toString());
              return Mono.empty();
            })
        .flatMap(
            result -> {
              boolean allowed = "1".equals(String.valueOf(result.get(0)));
              BigDecimal spend = new BigDecimal(String.valueOf(result.get(1)));
              if (!allowed) {
                return Mono.error(
                    new OpenAiApiException(
                        HttpStatus.PAYMENT_REQUIRED,
                        "The monthly budget of tenant '"
                            + facts.tenant()
                            + "' is exhausted (hard cap "
                            + hard
                            + " USD).",
                        "insufficient_quota",
                        null,
                        "budget_exceeded"));
              }
              inFlight.put(facts.requestId(), new Reservation(facts.tenant(), month, amount));
              if (caps != null && caps.softUsd() != null && spend.compareTo(caps.softUsd()) >= 0) {
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
            })
        .then();
  }

  /** Releases the reservation of the request the event answers; never fails. */
  @EventListener
  public void settle(UsageEvent event) {
    Reservation reservation = inFlight.remove(event.requestId());
    if (reservation == null) {
      return;
    }
    String actual = "";
    if (properties.recordSpend()) {
      actual = costs.estimateUsd(event).map(BigDecimal::toPlainString).orElse("0");
    }
    redis
        .execute(
            SETTLE,
            List.of(
                spendKey(reservation.tenant(), reservation.month()),
                reservedKey(reservation.tenant(), reservation.month())),
            List.of(
                reservation.amount().toPlainString(),
                actual,
                String.valueOf(Math.max(1, properties.reservationTtl().toSeconds()))))
        .next()
        .timeout(properties.redisTimeout().multipliedBy(2))
        .subscribe(ok -> {}, e -> log.warn("Budget reservation not released: {}", e.toString()));
  }

  private BigDecimal maxCost(UsageEvents.Request facts, long input, long output) {
    UsageEvent worst =
        UsageEvents.answered(
            facts,
            facts.requestedModel(),
            ProviderKind.forModel(facts.requestedModel()).providerName(),
            UsageEvent.Mode.SYNC,
            new NormalizedUsage(input, 0, 0, 0, output, 0),
            UsageEvent.Status.OK,
            null);
    return costs.estimateUsd(worst).orElse(properties.unpricedReserveUsd());
  }
}
