package dev.tokenwise.cost.reconcile;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClientException;

/**
 * The drift report ({@code GET /api/reconciliation}) and an on-demand run ({@code POST
 * /api/reconciliation/runs}). Both say which providers are reconciled and why one is not.
 */
@RestController
class ReconciliationController {

  static final List<String> PROVIDERS = List.of("openai", "anthropic");
  private static final URI INVALID =
      URI.create("https://tokenwise.dev/problems/invalid-reconciliation");
  private static final URI OFF = URI.create("https://tokenwise.dev/problems/reconciliation-off");
  private static final URI UNAVAILABLE =
      URI.create("https://tokenwise.dev/problems/provider-report-unavailable");
  private static final int MAX_DAYS = 366;

  private final Reconciler reconciler;
  private final ReconciliationStore store;
  private final Clock clock;

  @Autowired
  ReconciliationController(Reconciler reconciler, ReconciliationStore store) {
    this(reconciler, store, Clock.systemUTC());
  }

  ReconciliationController(Reconciler reconciler, ReconciliationStore store, Clock clock) {
    this.reconciler = reconciler;
    this.store = store;
    this.clock = clock;
  }

  /** Whether a provider is reconciled, and if not, why. */
  record ProviderState(boolean enabled, String reason) {}

  /** Tokens and cost of one side; money as a decimal string, as in every report. */
  record Side(
      Long requests,
      long inputTokens,
      long cachedInputTokens,
      long cacheWrite5mTokens,
      long cacheWrite1hTokens,
      long outputTokens,
      String costUsd,
      Long unpricedEvents) {}

  /** One provider, day, model and tier. */
  record Row(
      String provider,
      LocalDate day,
      String model,
      String tier,
      String status,
      String cause,
      String detail,
      BigDecimal tokenDrift,
      BigDecimal costDrift,
      Side recorded,
      Side reported) {}

  record Report(Map<String, ProviderState> providers, List<Row> rows) {}

  @GetMapping("/api/reconciliation")
  Report report(
      @RequestParam(required = false) String from,
      @RequestParam(required = false) String to,
      @RequestParam(required = false) String provider) {
    LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    LocalDate end = to == null ? today : date("to", to);
    LocalDate start = from == null ? end.minusDays(6) : date("from", from);
    if (start.isAfter(end)) {
      throw new Invalid("from", "must not be after to");
    }
    if (ChronoUnit.DAYS.between(start, end) >= MAX_DAYS) {
      throw new Invalid("from", "the window is at most " + MAX_DAYS + " days");
    }
    checkProvider(provider);
    return new Report(
        providers(),
        store.find(start, end, provider).stream().map(ReconciliationController::row).toList());
  }

  @PostMapping("/api/reconciliation/runs")
  Report run(
      @RequestParam(required = false) String provider, @RequestParam(required = false) String day) {
    LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    LocalDate target = day == null ? today.minusDays(1) : date("day", day);
    if (target.isAfter(today)) {
      throw new Invalid("day", "is in the future");
    }
    checkProvider(provider);
    List<String> wanted = provider == null ? PROVIDERS : List.of(provider);
    List<String> enabled = wanted.stream().filter(reconciler::enabled).toList();
    if (enabled.isEmpty()) {
      throw new Off(
          "reconciliation is off for "
              + String.join(" and ", wanted)
              + ": no admin key (tokenwise.cost.reconciliation.<provider>.admin-key)");
    }
    List<Row> rows = new ArrayList<>();
    for (String p : enabled) {
      reconciler.reconcile(p, target).stream()
          .map(ReconciliationController::row)
          .forEach(rows::add);
    }
    return new Report(providers(), rows);
  }

  Map<String, ProviderState> providers() {
    Map<String, ProviderState> out = new LinkedHashMap<>();
    for (String p : PROVIDERS) {
      out.put(
          p,
          reconciler.enabled(p)
              ? new ProviderState(true, null)
              : new ProviderState(
                  false, "off: no admin key (tokenwise.cost.reconciliation." + p + ".admin-key)"));
    }
    return out;
  }

  private static void checkProvider(String provider) {
    if (provider != null && !PROVIDERS.contains(provider)) {
      throw new Invalid("provider", "must be openai or anthropic");
    }
  }

  private static LocalDate date(String field, String value) {
    try {
      return LocalDate.parse(value);
    } catch (DateTimeParseException e) {
      throw new Invalid(field, "must be a date (YYYY-MM-DD)");
    }
  }

  private static Row row(Reconciliation r) {
    return new Row(
        r.provider(),
        r.day(),
        r.model(),
        r.tier(),
        r.status(),
        r.cause() == null ? null : r.cause().code(),
        r.detail(),
        scale(r.tokenDrift()),
        scale(r.costDrift()),
        side(r.recorded(), true),
        side(r.reported(), false));
  }

  private static Side side(Totals t, boolean recorded) {
    return new Side(
        t.requests(),
        t.inputTokens(),
        t.cachedTokens(),
        t.write5mTokens(),
        t.write1hTokens(),
        t.outputTokens(),
        t.costUsd().setScale(6, RoundingMode.HALF_EVEN).toPlainString(),
        recorded ? t.unpriced() : null);
  }

  private static BigDecimal scale(BigDecimal value) {
    return value == null ? null : value.setScale(6, RoundingMode.HALF_EVEN);
  }

  @ExceptionHandler(Invalid.class)
  ProblemDetail invalid(Invalid e) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.field + ": " + e.getMessage());
    problem.setType(INVALID);
    problem.setTitle("Invalid reconciliation query");
    problem.setProperty("field", e.field);
    return problem;
  }

  @ExceptionHandler(Off.class)
  ProblemDetail off(Off e) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, e.getMessage());
    problem.setType(OFF);
    problem.setTitle("Reconciliation is off");
    return problem;
  }

  @ExceptionHandler(RestClientException.class)
  ProblemDetail unavailable(RestClientException e) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.BAD_GATEWAY, "a provider's report could not be read: " + e.getMessage());
    problem.setType(UNAVAILABLE);
    problem.setTitle("Provider report unavailable");
    return problem;
  }

  static final class Invalid extends RuntimeException {
    final String field;

    Invalid(String field, String message) {
      super(message);
      this.field = field;
    }
  }

  static final class Off extends RuntimeException {
    Off(String message) {
      super(message);
    }
  }
}
