package dev.tokenwise.local;

/** The five applications the launcher runs as child processes, in the order it starts them. */
public enum Service {
  PROVIDER_SIMULATOR("provider-simulator", 8090),
  CACHE("cache-service", 8081),
  COST("cost-service", 8083),
  BATCH("batch-service", 8082),
  ROUTER("router-service", 8080);

  private final String artifactId;
  private final int defaultPort;

  Service(String artifactId, int defaultPort) {
    this.artifactId = artifactId;
    this.defaultPort = defaultPort;
  }

  /** The Maven artifactId, which is also the name of its jar and log file. */
  public String artifactId() {
    return artifactId;
  }

  /** The port README.md and the Helm chart document for it. */
  public int defaultPort() {
    return defaultPort;
  }
}
