package dev.tokenwise.local;

import dev.tokenwise.local.demo.Demo;
import java.io.Console;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar tokenwise-local.jar [--port-base=N] [--run-dir=PATH] [--startup-timeout=PT5M]
 * [--demo [--exit-after-demo]]}: starts the suite, prints where everything is, optionally replays
 * the demo workload and prints what it saved, and stops it all on Ctrl-C or SIGTERM (or after the
 * demo with {@code --exit-after-demo}).
 */
public final class Main {

  private Main() {}

  /**
   * What the command line asks for.
   *
   * @param suite how to start the suite
   * @param demo replay the demo workload once the suite is ready
   * @param exitAfterDemo stop everything after the demo instead of running on
   */
  record Launch(SuiteOptions suite, boolean demo, boolean exitAfterDemo) {}

  public static void main(String[] args) throws InterruptedException {
    Launch launch;
    try {
      launch = parse(args, SuiteOptions.defaults());
    } catch (IllegalArgumentException e) {
      System.err.println("tokenwise-local: " + e.getMessage());
      System.err.println(usage());
      System.exit(2);
      return;
    }
    if (launch == null) {
      System.out.println(usage());
      return;
    }

    SuiteOptions options = launch.demo() ? Demo.configure(launch.suite()) : launch.suite();
    Suite suite = new Suite(options);
    try {
      suite.start();
    } catch (SuiteStartupException e) {
      System.err.println();
      System.err.println("tokenwise-local: " + e.getMessage());
      System.exit(1);
      return;
    }
    printReady(suite, System.out);
    if (!launch.demo()) {
      System.out.println("Press Ctrl-C to stop everything.");
    } else {
      int status = runDemo(suite);
      if (launch.exitAfterDemo()) {
        suite.stop();
        System.exit(status);
        return;
      }
      System.out.println();
      System.out.println("The suite keeps running. Press Ctrl-C to stop everything.");
    }
    // The suite's shutdown hook stops everything on Ctrl-C or SIGTERM.
    new CountDownLatch(1).await();
  }

  /** Runs the demo; 0 when every request was answered, 1 otherwise. */
  private static int runDemo(Suite suite) throws InterruptedException {
    try {
      Demo.Result result = Demo.run(suite, System.out, isTerminal());
      return result.failed() == 0 ? 0 : 1;
    } catch (IOException e) {
      System.err.println("tokenwise-local: the demo could not read cost-service's reports: " + e);
      return 1;
    }
  }

  /** Whether standard output is a terminal, where a progress bar can be redrawn in place. */
  static boolean isTerminal() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      // Java 22+ returns a console even when output is redirected; isTerminal() tells them apart.
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      // Before Java 22 there is a console only when both ends are a terminal.
      return true;
    }
  }

  /** What the arguments ask for, or {@code null} when they ask for help. */
  static Launch parse(String[] args, SuiteOptions options) {
    boolean demo = false;
    boolean exitAfterDemo = false;
    for (String arg : args) {
      if (arg.equals("--help") || arg.equals("-h")) {
        return null;
      } else if (arg.equals("--demo")) {
        demo = true;
      } else if (arg.equals("--exit-after-demo")) {
        exitAfterDemo = true;
      } else if (arg.startsWith("--port-base=")) {
        options = options.withPorts(Ports.serviceBase(parseInt(arg)));
      } else if (arg.startsWith("--run-dir=")) {
        options = options.withRunDirectory(Path.of(value(arg)));
      } else if (arg.startsWith("--startup-timeout=")) {
        try {
          options = options.withStartupTimeout(Duration.parse(value(arg)));
        } catch (DateTimeParseException e) {
          throw new IllegalArgumentException(
              "--startup-timeout takes an ISO-8601 duration such as PT5M, not " + value(arg));
        }
      } else {
        throw new IllegalArgumentException("unknown argument " + arg);
      }
    }
    if (exitAfterDemo && !demo) {
      throw new IllegalArgumentException("--exit-after-demo goes with --demo");
    }
    return new Launch(options, demo, exitAfterDemo);
  }

  static String usage() {
    return String.join(
        System.lineSeparator(),
        "usage: java -jar tokenwise-local.jar [options]",
        "  --port-base=N           router on N, cache N+1, batch N+2, cost N+3, simulator N+10",
        "                          (default: 8080.. when free, else free ports)",
        "  --run-dir=PATH          logs and working files (default: a new temporary directory)",
        "  --startup-timeout=PT5M  how long the services may take to become ready",
        "  --demo                  once ready, replay a bundled workload of over 1,000 requests",
        "                          (FAQ repeats and paraphrases, RAG, long chats, extraction,",
        "                          tokenwise/auto, deferred summaries) through the router, then",
        "                          print baseline vs actual cost, the saving by tactic and the five",
        "                          metrics from cost-service's reports; the suite keeps running",
        "  --exit-after-demo       with --demo: stop everything after the summary (exit status 0",
        "                          when every request was answered, 1 otherwise)",
        "environment:",
        "  OPENAI_API_KEY          route OpenAI traffic to https://api.openai.com (not the simulator)",
        "  ANTHROPIC_API_KEY       route Anthropic traffic to https://api.anthropic.com",
        "  GEMINI_API_KEY          route Gemini traffic to https://generativelanguage.googleapis.com");
  }

  static void printReady(Suite suite, PrintStream out) {
    out.println();
    out.println("Tokenwise is running.");
    for (Service service : Service.values()) {
      out.printf(
          "  %-19s %s   log: %s%n",
          service.artifactId(), suite.url(service), suite.logFile(service));
    }
    out.printf("  %-19s localhost:%d%n", "redis", suite.redisPort());
    out.printf("  %-19s localhost:%d%n", "postgresql", suite.postgresPort());
    out.println();
    out.println("OpenAI upstream:    " + suite.openAiBaseUrl());
    out.println("Anthropic upstream: " + suite.anthropicBaseUrl());
    out.println("Gemini upstream:    " + suite.geminiBaseUrl());
    out.println();
    out.println("Demo virtual keys (new every start):");
    for (DemoTenant tenant : suite.demoTenants()) {
      out.printf("  %-7s %s%n", tenant.id(), tenant.virtualKey());
    }
    out.println();
    out.println(
        "Admin token (the router's /admin/** API and cost-service's reports; new every start"
            + " unless TOKENWISE_ADMIN_TOKEN is set):");
    out.println("  " + suite.adminToken());
    out.println();
    out.println("Try it:");
    out.println(suite.exampleCurl());
    out.println();
    out.println("Then read what it cost:");
    out.println(
        "curl -sS '"
            + suite.url(Service.COST)
            + "/api/reports/cost-per-request?from="
            + java.time.LocalDate.now(java.time.ZoneOffset.UTC)
            + "T00:00:00Z&to="
            + java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusDays(1)
            + "T00:00:00Z' \\\n  -H 'Authorization: Bearer "
            + suite.adminToken()
            + "'");
    out.println();
  }

  private static String value(String arg) {
    return arg.substring(arg.indexOf('=') + 1);
  }

  private static int parseInt(String arg) {
    try {
      return Integer.parseInt(value(arg));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(arg + " is not a number");
    }
  }
}
