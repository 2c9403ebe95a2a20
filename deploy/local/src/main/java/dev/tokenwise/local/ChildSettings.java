package dev.tokenwise.local;

import java.net.URI;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What each child process is told: non-secret properties as command-line arguments (they outrank
 * every other Spring Boot property source), secrets in its environment (they must not show in
 * {@code ps}). Provider keys reach the router only.
 *
 * <p>The simulator, like the real APIs, answers 401 to a request without a key; when the router's
 * upstream is the simulator it gets {@code simulatorKey}, generated at start, as its provider key.
 * The four services get {@code serviceSecret}, also generated at start, to sign and verify the
 * calls they make to each other. The router and cost-service get {@code adminToken} for their admin
 * APIs: the launcher's own {@code TOKENWISE_ADMIN_TOKEN} when set, else one generated at start.
 * batch-service and cost-service get {@code webhookSecret} (likewise {@code
 * TOKENWISE_WEBHOOK_SECRET} or generated): batch-service signs the shadow replays' results it
 * delivers to cost-service with it, and may deliver them to {@code localhost}, where this suite's
 * cost-service listens.
 */
record ChildSettings(
    Map<Service, Integer> servicePorts,
    int redisPort,
    String jdbcUrl,
    LocalPostgres.Login costLogin,
    LocalPostgres.Login batchLogin,
    List<DemoTenant> demoTenants,
    Map<String, String> launcherEnvironment,
    String simulatorKey,
    String serviceSecret,
    String adminToken,
    String webhookSecret) {

  /** Where the router sends OpenAI traffic when {@code OPENAI_API_KEY} is set. */
  static final URI OPENAI_API = URI.create("https://api.openai.com");

  /** Where the router sends Anthropic traffic when {@code ANTHROPIC_API_KEY} is set. */
  static final URI ANTHROPIC_API = URI.create("https://api.anthropic.com");

  /** Where the router sends Gemini traffic when {@code GEMINI_API_KEY} is set. */
  static final URI GEMINI_API = URI.create("https://generativelanguage.googleapis.com");

  /** The model the default route names and the example request asks for. */
  static final String DEMO_MODEL = "gpt-5-mini";

  /**
   * The route that serves {@code tokenwise/auto}, {@code tokenwise/fast} and {@code
   * tokenwise/smart}.
   */
  static final String ROUTING_ROUTE = "auto";

  static final String OPENAI_KEY_ENV = "OPENAI_API_KEY";
  static final String ANTHROPIC_KEY_ENV = "ANTHROPIC_API_KEY";
  static final String GEMINI_KEY_ENV = "GEMINI_API_KEY";
  static final String SERVICE_SECRET_ENV = "TOKENWISE_SERVICE_SECRET";
  static final String ADMIN_TOKEN_ENV = "TOKENWISE_ADMIN_TOKEN";

  /** The router reads its admin token from {@code tokenwise.router.admin.token}. */
  static final String ROUTER_ADMIN_TOKEN_ENV = "TOKENWISE_ROUTER_ADMIN_TOKEN";

  static final String WEBHOOK_SECRET_ENV = "TOKENWISE_WEBHOOK_SECRET";

  /** The launcher's own {@code TOKENWISE_ADMIN_TOKEN} when set, else a new one. */
  static String adminToken(Map<String, String> launcherEnvironment) {
    return givenOrNew(launcherEnvironment, ADMIN_TOKEN_ENV);
  }

  /** The launcher's own {@code TOKENWISE_WEBHOOK_SECRET} when set, else a new one. */
  static String webhookSecret(Map<String, String> launcherEnvironment) {
    return givenOrNew(launcherEnvironment, WEBHOOK_SECRET_ENV);
  }

  private static String givenOrNew(Map<String, String> launcherEnvironment, String variable) {
    String given = launcherEnvironment.get(variable);
    return given == null || given.isBlank() ? newServiceSecret() : given;
  }

  /**
   * The launcher's own {@code TOKENWISE_SERVICE_SECRET} when set (at least 32 bytes), else a new
   * one.
   */
  static String serviceSecret(Map<String, String> launcherEnvironment) {
    String given = launcherEnvironment.get(SERVICE_SECRET_ENV);
    if (given == null || given.isBlank()) {
      return newServiceSecret();
    }
    if (given.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
      throw new IllegalArgumentException(
          SERVICE_SECRET_ENV + " must be at least 32 bytes; unset it to have one generated");
    }
    return given;
  }

  /** 32 random bytes, base64url: the services' shared signing secret for one run. */
  static String newServiceSecret() {
    byte[] bytes = new byte[32];
    new java.security.SecureRandom().nextBytes(bytes);
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  Map<String, String> properties(Service service) {
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("server.port", String.valueOf(servicePorts.get(service)));
    // A local launcher answers this machine only.
    properties.put("server.address", "127.0.0.1");
    switch (service) {
      case PROVIDER_SIMULATOR -> {}
      case CACHE -> putRedis(properties);
      case COST -> {
        putRedis(properties);
        putDatasource(properties, costLogin);
      }
      case BATCH -> {
        putRedis(properties);
        putDatasource(properties, batchLogin);
        // Provider keys reach the router only, so batch jobs always go to the simulator here.
        String simulator = url(Service.PROVIDER_SIMULATOR).toString();
        properties.put("tokenwise.batch.providers.openai.base-url", simulator);
        properties.put("tokenwise.batch.providers.anthropic.base-url", simulator);
        // Shadow replays' results go to this suite's cost-service, on this machine.
        properties.put("tokenwise.batch.webhook.allowed-hosts[0]", "localhost");
      }
      case ROUTER -> {
        putRedis(properties);
        for (int i = 0; i < demoTenants.size(); i++) {
          DemoTenant tenant = demoTenants.get(i);
          String prefix = "tokenwise.router.tenants[" + i + "].";
          properties.put(prefix + "id", tenant.id());
          properties.put(prefix + "app", tenant.app());
          properties.put(prefix + "key-hashes[0]", tenant.keyHash());
        }
        properties.put("tokenwise.router.providers.openai.base-url", openAiBaseUrl().toString());
        properties.put(
            "tokenwise.router.providers.anthropic.base-url", anthropicBaseUrl().toString());
        properties.put("tokenwise.router.providers.gemini.base-url", geminiBaseUrl().toString());
        properties.put("tokenwise.router.default-route.name", "default");
        properties.put("tokenwise.router.default-route.model", DEMO_MODEL);
        properties.put("tokenwise.router.cache.base-url", url(Service.CACHE).toString());
        // Deferred requests (Tokenwise-Mode: deferred) go to this suite's batch-service, whatever
        // port it got.
        properties.put("tokenwise.router.batch.base-url", url(Service.BATCH).toString());
        // POST /v1/feedback forwards verdicts to cost-service.
        properties.put("tokenwise.router.cost.base-url", url(Service.COST).toString());
        putRoutingRoute(properties);
      }
    }
    return properties;
  }

  /**
   * Model routing out of the box: {@code tokenwise/auto} (the shipped learned router sends about
   * 30% of requests to the strong tier), {@code tokenwise/fast} and {@code tokenwise/smart}, over
   * the first provider with a real key (OpenAI, Anthropic, Gemini), else the simulator's OpenAI
   * models. Savings are measured against the strong tier.
   */
  private void putRoutingRoute(Map<String, String> properties) {
    List<String> tiers = routingTiers();
    String prefix = "tokenwise.router.routes." + ROUTING_ROUTE + ".";
    properties.put(prefix + "match.models[0]", "tokenwise/auto");
    properties.put(prefix + "match.models[1]", "tokenwise/fast");
    properties.put(prefix + "match.models[2]", "tokenwise/smart");
    for (int i = 0; i < tiers.size(); i++) {
      properties.put(prefix + "tiers[" + i + "]", tiers.get(i));
    }
    properties.put(prefix + "reference-model", tiers.get(tiers.size() - 1));
    properties.put(prefix + "classifier.type", "learned");
  }

  /** The cheap and the strong tier of {@link #ROUTING_ROUTE}. */
  List<String> routingTiers() {
    if (providerKey(OPENAI_KEY_ENV).isPresent()) {
      return List.of("gpt-5-nano", "gpt-5");
    }
    if (providerKey(ANTHROPIC_KEY_ENV).isPresent()) {
      return List.of("claude-haiku-4-5", "claude-sonnet-4-5");
    }
    if (providerKey(GEMINI_KEY_ENV).isPresent()) {
      return List.of("gemini-2.5-flash-lite", "gemini-2.5-pro");
    }
    return List.of("gpt-5-nano", "gpt-5");
  }

  /**
   * The launcher's environment without provider keys (the router gets them back, or the simulator's
   * key), plus {@code PORT} and the database password.
   */
  Map<String, String> environment(Service service) {
    Map<String, String> environment = new HashMap<>(launcherEnvironment);
    environment.remove(SERVICE_SECRET_ENV);
    environment.remove(ADMIN_TOKEN_ENV);
    environment.remove(ROUTER_ADMIN_TOKEN_ENV);
    environment.remove(WEBHOOK_SECRET_ENV);
    environment.remove(OPENAI_KEY_ENV);
    environment.remove(ANTHROPIC_KEY_ENV);
    environment.remove(GEMINI_KEY_ENV);
    environment.put("PORT", String.valueOf(servicePorts.get(service)));
    if (service != Service.PROVIDER_SIMULATOR) {
      environment.put(SERVICE_SECRET_ENV, serviceSecret);
    }
    switch (service) {
      case COST -> {
        environment.put("SPRING_DATASOURCE_PASSWORD", costLogin.password());
        environment.put(ADMIN_TOKEN_ENV, adminToken);
        environment.put(WEBHOOK_SECRET_ENV, webhookSecret);
      }
      case BATCH -> {
        environment.put("SPRING_DATASOURCE_PASSWORD", batchLogin.password());
        environment.put("TOKENWISE_BATCH_PROVIDERS_OPENAI_APIKEY", simulatorKey);
        environment.put("TOKENWISE_BATCH_PROVIDERS_ANTHROPIC_APIKEY", simulatorKey);
        environment.put(WEBHOOK_SECRET_ENV, webhookSecret);
      }
      case ROUTER -> {
        environment.put(OPENAI_KEY_ENV, providerKey(OPENAI_KEY_ENV).orElse(simulatorKey));
        environment.put(ANTHROPIC_KEY_ENV, providerKey(ANTHROPIC_KEY_ENV).orElse(simulatorKey));
        environment.put(GEMINI_KEY_ENV, providerKey(GEMINI_KEY_ENV).orElse(simulatorKey));
        environment.put(ROUTER_ADMIN_TOKEN_ENV, adminToken);
      }
      default -> {}
    }
    return environment;
  }

  URI openAiBaseUrl() {
    return providerKey(OPENAI_KEY_ENV).isPresent() ? OPENAI_API : url(Service.PROVIDER_SIMULATOR);
  }

  URI anthropicBaseUrl() {
    return providerKey(ANTHROPIC_KEY_ENV).isPresent()
        ? ANTHROPIC_API
        : url(Service.PROVIDER_SIMULATOR);
  }

  URI geminiBaseUrl() {
    return providerKey(GEMINI_KEY_ENV).isPresent() ? GEMINI_API : url(Service.PROVIDER_SIMULATOR);
  }

  URI url(Service service) {
    return URI.create("http://localhost:" + servicePorts.get(service));
  }

  private Optional<String> providerKey(String variable) {
    return Optional.ofNullable(launcherEnvironment.get(variable)).filter(key -> !key.isBlank());
  }

  private void putRedis(Map<String, String> properties) {
    properties.put("spring.data.redis.host", "localhost");
    properties.put("spring.data.redis.port", String.valueOf(redisPort));
  }

  private void putDatasource(Map<String, String> properties, LocalPostgres.Login login) {
    properties.put("spring.datasource.url", jdbcUrl);
    properties.put("spring.datasource.username", login.username());
  }

  @Override
  public String toString() {
    // The environment holds provider keys and passwords.
    return "ChildSettings[servicePorts=" + servicePorts + ", redisPort=" + redisPort + "]";
  }
}
