package dev.tokenwise.local.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.local.Suite;
import dev.tokenwise.local.TestSuites;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code --demo} as a user runs it: the launcher's suite on free ports, configured as {@code
 * --demo} configures it, the bundled workload replayed through the router against the simulator,
 * the summary printed from cost-service's reports, and the quality loop run on its own route.
 */
class DemoIT {

  private static Suite suite;

  @BeforeAll
  static void startSuite() {
    suite =
        new Suite(
            Demo.configure(
                TestSuites.simulatorOnly("demo")
                    .withProgress(line -> System.out.println("[suite] " + line))));
    suite.start();
  }

  @AfterAll
  static void stopSuite() {
    if (suite != null) {
      suite.stop();
    }
  }

  @Test
  void theDemoReplaysOverAThousandRequestsAndPrintsTheSavingsAndTheFiveMetrics() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(new Tee(printed, System.out), true, StandardCharsets.UTF_8);

    Demo.Result result = Demo.run(suite, out, false);

    String text = printed.toString(StandardCharsets.UTF_8);
    assertThat(result.sent()).isGreaterThanOrEqualTo(1000);
    assertThat(result.failed()).as(String.join("\n", result.summary())).isZero();
    assertThat(result.answered()).isEqualTo(result.sent());
    assertThat(text)
        .as("progress while it runs")
        .contains("100/" + String.format(Locale.ROOT, "%,d", result.sent()) + " requests");

    assertThat(result.actual()).isPositive().isLessThan(result.baseline());
    assertThat(result.savingsByTactic().get("cache")).as("response cache saving").isPositive();
    assertThat(result.savingsByTactic().get("routing")).as("routing saving").isPositive();
    assertThat(result.savingsByTactic().get("promptCaching"))
        .as("prompt caching saving")
        .isPositive();
    if (result.deferredSucceeded() > 0) {
      assertThat(result.savingsByTactic().get("batch")).as("batch saving").isPositive();
    }

    assertThat(text)
        .contains(
            "baseline (without Tokenwise)",
            "actual (what was billed)",
            "saving by tactic",
            "response cache",
            "model routing",
            "prompt caching",
            "batch",
            "output caps",
            "1. Cost per request by route and model",
            "2. Input and output tokens per request by route",
            "3. Cache hit rate by route",
            "4. Cost per active user and per conversation",
            "5. Quality regression rate per route",
            suite.url(dev.tokenwise.local.Service.COST) + "/api/reports/overview?from=",
            "/actuator/prometheus");
    // The quality loop, whole, through the real services and the simulator's quality world: its
    // route starts over its regression budget; with no operator step cost-service's advice
    // tightens it and the router retrains it on the wave's verdicts (publishing a new version only
    // when it beats the one in use), and the next wave of new questions routes with the version
    // in use and has fewer bad answers.
    QualityLoop.Result loop = result.loop();
    QualityLoop.Wave before = loop.before();
    QualityLoop.Wave after = loop.after();
    assertThat(before.routerVersions()).containsExactly("shipped");
    assertThat(before.regressionRate()).as(before.describe()).isGreaterThan(QualityLoop.BUDGET);
    assertThat(loop.retraining().path("verdicts").asLong())
        .as(loop.retraining().toString())
        .isGreaterThanOrEqualTo((long) Math.floor(before.totals().evaluated() * 0.9));
    assertThat(loop.retraining().path("outcome").asString()).isIn("published", "kept");
    assertThat(after.routerVersions()).as(after.describe()).containsExactly(loop.active());
    assertThat(after.strong()).as(after.describe()).isGreaterThan(before.strong());
    assertThat(after.regressionRate()).as(after.describe()).isLessThan(before.regressionRate());
    assertThat(text).contains("Quality loop (route 'loop'", "before: ", "after:  ");
    // The figures are cost-service's, printed as it sent them.
    assertThat(text).contains("$" + result.baseline().toPlainString());
    assertThat(text).contains("$" + result.actual().toPlainString());
  }

  /** Writes to two streams: what the test reads, and the build log. */
  private static final class Tee extends OutputStream {
    private final OutputStream first;
    private final OutputStream second;

    Tee(OutputStream first, OutputStream second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public synchronized void write(int b) throws java.io.IOException {
      first.write(b);
      second.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws java.io.IOException {
      first.write(b, off, len);
      second.write(b, off, len);
    }

    @Override
    public void flush() throws java.io.IOException {
      second.flush();
    }
  }
}
