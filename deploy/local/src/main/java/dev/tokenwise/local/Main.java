package dev.tokenwise.local;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar tokenwise-local.jar [--port-base=N] [--run-dir=PATH] [--startup-timeout=PT5M]}:
 * starts the suite, prints where everything is, and stops it all on Ctrl-C or SIGTERM.
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) throws InterruptedException {
    SuiteOptions options;
    try {
      options = parse(args, SuiteOptions.defaults());
    } catch (IllegalArgumentException e) {
      System.err.println("tokenwise-local: " + e.getMessage());
      System.err.println(usage());
      System.exit(2);
      return;
    }
    if (options == null) {
      System.out.println(usage());
      return;
    }

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
    // The suite's shutdown hook stops everything on Ctrl-C or SIGTERM.
    new CountDownLatch(1).await();
  }

  /** The options the arguments ask for, or {@code null} when they ask for help. */
  static SuiteOptions parse(String[] args, SuiteOptions options) {
    for (String arg : args) {
      if (arg.equals("--help") || arg.equals("-h")) {
        return null;
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
    return options;
  }

  static String usage() {
    return String.join(
        System.lineSeparator(),
        "usage: java -jar tokenwise-local.jar [options]",
        "  --port-base=N           router on N, cache N+1, batch N+2, cost N+3, simulator N+10",
        "                          (default: 8080.. when free, else free ports)",
        "  --run-dir=PATH          logs and working files (default: a new temporary directory)",
        "  --startup-timeout=PT5M  how long the services may take to become ready",
        "environment:",
        "  OPENAI_API_KEY          route OpenAI traffic to https://api.openai.com (not the simulator)",
        "  ANTHROPIC_API_KEY       route Anthropic traffic to https://api.anthropic.com");
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
    out.println();
    out.println("Demo virtual keys (new every start):");
    for (DemoTenant tenant : suite.demoTenants()) {
      out.printf("  %-7s %s%n", tenant.id(), tenant.virtualKey());
    }
    out.println();
    out.println("Try it:");
    out.println(suite.exampleCurl());
    out.println();
    out.println("Press Ctrl-C to stop everything.");
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
