package dev.tokenwise.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChildSettingsTests {

  private static final DemoTenant DEMO = new DemoTenant("demo", "demo-app", "key-a");
  private static final DemoTenant DEMO_B = new DemoTenant("demo-b", "demo-b-app", "key-b");

  @Test
  void withoutProviderKeysTheRouterTalksToTheSimulator() {
    ChildSettings settings = settings(Map.of("PATH", "/usr/bin"));
    Map<String, String> router = settings.properties(Service.ROUTER);

    assertThat(router)
        .containsEntry("server.port", "18080")
        .containsEntry("tokenwise.router.providers.openai.base-url", "http://localhost:18090")
        .containsEntry("tokenwise.router.providers.anthropic.base-url", "http://localhost:18090")
        .containsEntry("tokenwise.router.providers.gemini.base-url", "http://localhost:18090")
        .containsEntry("tokenwise.router.cache.base-url", "http://localhost:18081")
        .containsEntry("tokenwise.router.batch.base-url", "http://localhost:18082")
        .containsEntry("tokenwise.router.cost.base-url", "http://localhost:18083")
        .containsEntry("tokenwise.router.default-route.name", "default")
        .containsEntry("tokenwise.router.default-route.model", "gpt-5-mini")
        .containsEntry("spring.data.redis.port", "16379");
  }

  @Test
  void withoutProviderKeysTheRouterGetsTheSimulatorsKeyWhichTheSimulatorAccepts() {
    Map<String, String> router = settings(Map.of()).environment(Service.ROUTER);

    assertThat(router)
        .containsEntry("OPENAI_API_KEY", "simulator-key")
        .containsEntry("ANTHROPIC_API_KEY", "simulator-key")
        .containsEntry("GEMINI_API_KEY", "simulator-key");
  }

  @Test
  void modelRoutingIsServedOutOfTheBoxOverTheConfiguredProvider() {
    assertThat(settings(Map.of()).properties(Service.ROUTER))
        .as("no keys: the simulator's OpenAI models")
        .containsEntry("tokenwise.router.routes.auto.match.models[0]", "tokenwise/auto")
        .containsEntry("tokenwise.router.routes.auto.match.models[1]", "tokenwise/fast")
        .containsEntry("tokenwise.router.routes.auto.match.models[2]", "tokenwise/smart")
        .containsEntry("tokenwise.router.routes.auto.tiers[0]", "gpt-5-nano")
        .containsEntry("tokenwise.router.routes.auto.tiers[1]", "gpt-5")
        .containsEntry("tokenwise.router.routes.auto.reference-model", "gpt-5")
        .containsEntry("tokenwise.router.routes.auto.classifier.type", "learned");
    assertThat(settings(Map.of("ANTHROPIC_API_KEY", "sk-ant-test")).properties(Service.ROUTER))
        .as("only an Anthropic key: Claude tiers")
        .containsEntry("tokenwise.router.routes.auto.tiers[0]", "claude-haiku-4-5")
        .containsEntry("tokenwise.router.routes.auto.tiers[1]", "claude-sonnet-4-5");
    assertThat(settings(Map.of("GEMINI_API_KEY", "gm-test")).properties(Service.ROUTER))
        .as("only a Gemini key: Gemini tiers")
        .containsEntry("tokenwise.router.routes.auto.tiers[0]", "gemini-2.5-flash-lite")
        .containsEntry("tokenwise.router.routes.auto.tiers[1]", "gemini-2.5-pro");
  }

  @Test
  void theRouterKnowsBothDemoTenantsByKeyHashOnly() {
    Map<String, String> router = settings(Map.of()).properties(Service.ROUTER);

    assertThat(router)
        .containsEntry("tokenwise.router.tenants[0].id", "demo")
        .containsEntry("tokenwise.router.tenants[0].key-hashes[0]", DEMO.keyHash())
        .containsEntry("tokenwise.router.tenants[1].id", "demo-b")
        .containsEntry("tokenwise.router.tenants[1].key-hashes[0]", DEMO_B.keyHash());
    assertThat(router.values()).doesNotContain("key-a", "key-b");
  }

  @Test
  void providerKeysSwitchToTheRealApisAndReachTheRouterOnly() {
    ChildSettings settings =
        settings(
            Map.of(
                "OPENAI_API_KEY", "sk-test",
                "ANTHROPIC_API_KEY", "sk-ant-test",
                "GEMINI_API_KEY", "gm-test"));

    assertThat(settings.properties(Service.ROUTER))
        .containsEntry("tokenwise.router.providers.openai.base-url", "https://api.openai.com")
        .containsEntry("tokenwise.router.providers.anthropic.base-url", "https://api.anthropic.com")
        .containsEntry(
            "tokenwise.router.providers.gemini.base-url",
            "https://generativelanguage.googleapis.com");
    assertThat(settings.environment(Service.ROUTER))
        .containsEntry("OPENAI_API_KEY", "sk-test")
        .containsEntry("ANTHROPIC_API_KEY", "sk-ant-test")
        .containsEntry("GEMINI_API_KEY", "gm-test");
    assertThat(settings.properties(Service.BATCH))
        .as("batch jobs stay on the simulator: provider keys reach the router only")
        .containsEntry("tokenwise.batch.providers.openai.base-url", "http://localhost:18090")
        .containsEntry("tokenwise.batch.providers.anthropic.base-url", "http://localhost:18090");
    assertThat(settings.environment(Service.BATCH))
        .containsEntry("TOKENWISE_BATCH_PROVIDERS_OPENAI_APIKEY", "simulator-key")
        .doesNotContainValue("sk-test");
    for (Service other : List.of(Service.CACHE, Service.COST, Service.BATCH)) {
      assertThat(settings.environment(other))
          .doesNotContainKeys("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY");
    }
    assertThat(settings.environment(Service.PROVIDER_SIMULATOR))
        .doesNotContainKeys("OPENAI_API_KEY", "ANTHROPIC_API_KEY");
  }

  @Test
  void theFourServicesShareTheRunsServiceSecretInTheirEnvironmentAndTheSimulatorDoesNot() {
    ChildSettings settings = settings(Map.of("TOKENWISE_SERVICE_SECRET", "from-the-shell"));

    for (Service service : List.of(Service.ROUTER, Service.CACHE, Service.COST, Service.BATCH)) {
      assertThat(settings.environment(service))
          .containsEntry("TOKENWISE_SERVICE_SECRET", "service-secret-0123456789abcdef0123456789");
      assertThat(settings.properties(service).values())
          .doesNotContain("service-secret-0123456789abcdef0123456789");
    }
    assertThat(settings.environment(Service.PROVIDER_SIMULATOR))
        .doesNotContainKey("TOKENWISE_SERVICE_SECRET");
    assertThat(ChildSettings.newServiceSecret())
        .hasSizeGreaterThanOrEqualTo(43)
        .isNotEqualTo(ChildSettings.newServiceSecret());
  }

  @Test
  void theLauncherKeepsAServiceSecretItWasGivenAndRefusesAShortOne() {
    String given = "a-secret-the-operator-chose-0123456789";
    assertThat(ChildSettings.serviceSecret(Map.of("TOKENWISE_SERVICE_SECRET", given)))
        .isEqualTo(given);
    assertThat(ChildSettings.serviceSecret(Map.of())).hasSizeGreaterThanOrEqualTo(43);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ChildSettings.serviceSecret(Map.of("TOKENWISE_SERVICE_SECRET", "short")))
        .hasMessageContaining("at least 32 bytes");
  }

  @Test
  void databaseServicesGetTheirOwnLoginWithThePasswordInTheEnvironment() {
    ChildSettings settings = settings(Map.of());

    assertThat(settings.properties(Service.COST))
        .containsEntry("spring.datasource.url", "jdbc:postgresql://localhost:15432/tokenwise")
        .containsEntry("spring.datasource.username", "tokenwise_cost")
        .doesNotContainKey("spring.datasource.password");
    assertThat(settings.environment(Service.COST))
        .containsEntry("SPRING_DATASOURCE_PASSWORD", "cost-secret")
        .containsEntry("PORT", "18083");
    assertThat(settings.properties(Service.BATCH))
        .containsEntry("spring.datasource.username", "tokenwise_batch");
    assertThat(settings.environment(Service.BATCH))
        .containsEntry("SPRING_DATASOURCE_PASSWORD", "batch-secret");
    assertThat(settings.properties(Service.CACHE)).doesNotContainKey("spring.datasource.url");
  }

  private static ChildSettings settings(Map<String, String> environment) {
    Map<Service, Integer> ports = new EnumMap<>(Service.class);
    for (Service service : Service.values()) {
      ports.put(service, service.defaultPort() + 10_000);
    }
    return new ChildSettings(
        ports,
        16379,
        "jdbc:postgresql://localhost:15432/tokenwise",
        new LocalPostgres.Login("tokenwise_cost", "cost-secret", "cost"),
        new LocalPostgres.Login("tokenwise_batch", "batch-secret", "batch"),
        List.of(DEMO, DEMO_B),
        environment,
        "simulator-key",
        "service-secret-0123456789abcdef0123456789",
        "admin-token-0123456789",
        "webhook-secret-0123456789");
  }

  @Test
  void shadowReplaysAreSignedAndMayReachThisMachinesCostService() {
    ChildSettings settings = settings(Map.of());
    assertThat(settings.environment(Service.BATCH))
        .containsEntry("TOKENWISE_WEBHOOK_SECRET", "webhook-secret-0123456789");
    assertThat(settings.environment(Service.COST))
        .containsEntry("TOKENWISE_WEBHOOK_SECRET", "webhook-secret-0123456789");
    assertThat(settings.environment(Service.ROUTER)).doesNotContainKey("TOKENWISE_WEBHOOK_SECRET");
    assertThat(settings.properties(Service.BATCH))
        .containsEntry("tokenwise.batch.webhook.allowed-hosts[0]", "localhost");
  }

  @Test
  void theAdminTokenReachesTheRouterAndCostServiceOnly() {
    ChildSettings settings = settings(Map.of("TOKENWISE_ADMIN_TOKEN", "from-the-launcher"));
    assertThat(settings.environment(Service.ROUTER))
        .containsEntry("TOKENWISE_ROUTER_ADMIN_TOKEN", "admin-token-0123456789");
    assertThat(settings.environment(Service.COST))
        .containsEntry("TOKENWISE_ADMIN_TOKEN", "admin-token-0123456789");
    for (Service service : List.of(Service.CACHE, Service.BATCH, Service.PROVIDER_SIMULATOR)) {
      assertThat(settings.environment(service))
          .doesNotContainKeys("TOKENWISE_ADMIN_TOKEN", "TOKENWISE_ROUTER_ADMIN_TOKEN");
    }
    assertThat(ChildSettings.adminToken(Map.of("TOKENWISE_ADMIN_TOKEN", "given")))
        .isEqualTo("given");
    assertThat(ChildSettings.adminToken(Map.of())).hasSizeGreaterThanOrEqualTo(32);
  }
}
