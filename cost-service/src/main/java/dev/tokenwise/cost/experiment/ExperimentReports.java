package dev.tokenwise.cost.experiment;

import dev.tokenwise.cost.experiment.ExperimentExceptionHandler.ExperimentNotFoundException;
import dev.tokenwise.cost.experiment.ExperimentReport.Arm;
import dev.tokenwise.cost.experiment.ExperimentReport.Comparison;
import dev.tokenwise.cost.experiment.ExperimentReport.CostDifference;
import dev.tokenwise.cost.experiment.ExperimentReport.RateDifference;
import dev.tokenwise.cost.experiment.ExperimentStore.ArmTotals;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Component;

/** Builds the experiments listing and report from the stored events and verdicts. */
@Component
class ExperimentReports {

  private static final MathContext DIVISION = new MathContext(20, RoundingMode.HALF_EVEN);
  private static final int MONEY_SCALE = 10;

  private final ExperimentStore store;
  private final ExperimentProperties properties;
  private final Clock clock = Clock.systemUTC();

  ExperimentReports(ExperimentStore store, ExperimentProperties properties) {
    this.store = store;
    this.properties = properties;
  }

  ExperimentReport.Listing list(String from, String to, String route, String tenant) {
    Window window = window(from, to);
    Map<String, List<ArmTotals>> byExperiment = new LinkedHashMap<>();
    for (ArmTotals arm :
        store.arms(window.from(), window.to(), null, blankToNull(route), blankToNull(tenant))) {
      byExperiment.computeIfAbsent(arm.experiment(), e -> new ArrayList<>()).add(arm);
    }
    List<ExperimentReport.Seen> seen = new ArrayList<>();
    byExperiment.forEach(
        (name, arms) -> {
          Set<String> routes = new LinkedHashSet<>();
          arms.forEach(a -> routes.addAll(a.routes()));
          seen.add(
              new ExperimentReport.Seen(
                  name,
                  arms.stream().map(ArmTotals::arm).toList(),
                  routes.stream().sorted().toList(),
                  arms.stream().mapToLong(a -> a.requests() + a.failed()).sum(),
                  arms.stream().map(ArmTotals::firstSeen).min(Instant::compareTo).orElseThrow(),
                  arms.stream().map(ArmTotals::lastSeen).max(Instant::compareTo).orElseThrow()));
        });
    return new ExperimentReport.Listing(window.from(), window.to(), seen);
  }

  ExperimentReport report(
      String experiment,
      String from,
      String to,
      String route,
      String tenant,
      String baseline,
      String alphaParam) {
    Window window = window(from, to);
    double alpha = alpha(alphaParam);
    route = blankToNull(route);
    tenant = blankToNull(tenant);
    List<ArmTotals> arms = store.arms(window.from(), window.to(), experiment, route, tenant);
    if (arms.isEmpty()) {
      throw new ExperimentNotFoundException(
          "No event of experiment '"
              + experiment
              + "' between "
              + window.from()
              + " and "
              + window.to()
              + (route != null ? " on route '" + route + "'" : "")
              + (tenant != null ? " for tenant '" + tenant + "'" : "")
              + ".");
    }
    ArmTotals base = arms.get(0);
    if (baseline != null && !baseline.isBlank()) {
      base =
          arms.stream()
              .filter(a -> a.arm().equals(baseline.strip()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new InvalidExperimentQueryException(
                          "baseline",
                          "'"
                              + baseline.strip()
                              + "' is not an arm of the experiment in this window; its arms are "
                              + arms.stream().map(ArmTotals::arm).toList()));
    }
    List<Comparison> comparisons = new ArrayList<>();
    for (ArmTotals arm : arms) {
      if (arm != base) {
        comparisons.add(compare(arm, base, alpha));
      }
    }
    return new ExperimentReport(
        experiment,
        window.from(),
        window.to(),
        route,
        tenant,
        alpha,
        base.arm(),
        arms.stream().map(ExperimentReports::arm).toList(),
        comparisons);
  }

  private static Arm arm(ArmTotals t) {
    return new Arm(
        t.arm(),
        t.requests(),
        t.failed(),
        t.unpriced(),
        money(t.costUsd()),
        perRequest(t),
        mean(t.inputTokens(), t.requests()),
        mean(t.outputTokens(), t.requests()),
        t.evaluated(),
        t.bad(),
        rate(t),
        t.routes(),
        t.models());
  }

  static Comparison compare(ArmTotals arm, ArmTotals base, double alpha) {
    Double armRate = rate(arm);
    Double baseRate = rate(base);
    Double rateP =
        Significance.twoProportions(base.bad(), base.evaluated(), arm.bad(), arm.evaluated());
    RateDifference rates =
        new RateDifference(
            armRate == null || baseRate == null ? null : round(armRate - baseRate, 6),
            rateP,
            rateP != null && rateP < alpha);

    BigDecimal armMean = mean(arm);
    BigDecimal baseMean = mean(base);
    BigDecimal difference = armMean == null || baseMean == null ? null : armMean.subtract(baseMean);
    Double relative =
        difference == null || baseMean.signum() == 0
            ? null
            : round(difference.divide(baseMean, DIVISION).doubleValue(), 6);
    Double costP = Significance.welch(base.cost(), arm.cost());
    CostDifference costs =
        new CostDifference(
            difference == null ? null : money(difference),
            relative,
            costP,
            costP != null && costP < alpha);

    boolean significant = rates.significant() || costs.significant();
    String verdict =
        arm.arm()
            + " against "
            + base.arm()
            + ": "
            + costWords(costs, alpha)
            + "; "
            + rateWords(rates, armRate, baseRate, alpha)
            + ".";
    return new Comparison(arm.arm(), base.arm(), rates, costs, significant, verdict);
  }

  private static String costWords(CostDifference c, double alpha) {
    if (c.pValue() == null) {
      return "too few priced requests to compare cost per request (at least two per arm)";
    }
    if (!c.significant()) {
      return "no significant difference in cost per request ("
          + p(c.pValue())
          + ", alpha "
          + alpha
          + ")";
    }
    String direction = c.differenceUsd().startsWith("-") ? "less" : "more";
    String size =
        c.relativeDifference() == null
            ? c.differenceUsd().replace("-", "") + " USD"
            : percent(Math.abs(c.relativeDifference()));
    return "costs " + size + " " + direction + " per request (" + p(c.pValue()) + ")";
  }

  private static String rateWords(RateDifference r, Double armRate, Double baseRate, double alpha) {
    if (r.pValue() == null) {
      return "no verdicts in one arm or both, so no regression rate to compare";
    }
    String rates = percent(armRate) + " against " + percent(baseRate);
    if (!r.significant()) {
      return "no significant difference in regression rate ("
          + rates
          + ", "
          + p(r.pValue())
          + ", alpha "
          + alpha
          + ")";
    }
    return "regression rate significantly "
        + (r.difference() > 0 ? "higher" : "lower")
        + " ("
        + rates
        + ", "
        + p(r.pValue())
        + ")";
  }

  private static String percent(double share) {
    return String.format(Locale.ROOT, "%.1f%%", share * 100);
  }

  private static String p(double p) {
    return p < 0.0001 ? "p<0.0001" : String.format(Locale.ROOT, "p=%.4f", p);
  }

  private static Double rate(ArmTotals t) {
    return t.evaluated() == 0 ? null : round((double) t.bad() / t.evaluated(), 6);
  }

  private static BigDecimal mean(ArmTotals t) {
    return t.cost().count() == 0
        ? null
        : t.costUsd().divide(BigDecimal.valueOf(t.cost().count()), DIVISION);
  }

  private static String perRequest(ArmTotals t) {
    BigDecimal mean = mean(t);
    return mean == null ? null : money(mean);
  }

  private static Double mean(long total, long count) {
    return count == 0 ? null : round((double) total / count, 2);
  }

  static String money(BigDecimal usd) {
    BigDecimal rounded = usd.setScale(MONEY_SCALE, RoundingMode.HALF_EVEN).stripTrailingZeros();
    return rounded.signum() == 0 ? "0" : rounded.toPlainString();
  }

  private static Double round(double value, int places) {
    return BigDecimal.valueOf(value).setScale(places, RoundingMode.HALF_EVEN).doubleValue();
  }

  private double alpha(String value) {
    if (value == null || value.isBlank()) {
      return properties.alpha();
    }
    try {
      double alpha = Double.parseDouble(value.strip());
      if (alpha > 0 && alpha < 1) {
        return alpha;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new InvalidExperimentQueryException(
        "alpha", "must be a number between 0 and 1, e.g. 0.05");
  }

  /** The window asked for; {@code to} defaults to now and {@code from} to the default window. */
  private Window window(String from, String to) {
    Instant end = to == null || to.isBlank() ? clock.instant() : instant("to", to);
    Instant start =
        from == null || from.isBlank()
            ? end.minus(properties.defaultWindow())
            : instant("from", from);
    if (!start.isBefore(end)) {
      throw new InvalidExperimentQueryException("from", "must be before 'to'");
    }
    return new Window(start, end);
  }

  private static Instant instant(String name, String value) {
    try {
      return Instant.parse(value.strip());
    } catch (DateTimeParseException e) {
      throw new InvalidExperimentQueryException(
          name, "must be an ISO-8601 instant such as 2026-11-27T00:00:00Z");
    }
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }

  private record Window(Instant from, Instant to) {}
}
