package dev.tokenwise.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * The chart, rendered for every scenario in {@code ci/} (plus the chart's own defaults) and read
 * back as Kubernetes objects: what a cluster would run, checked before anyone installs it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChartTests {

  private static final Set<String> SERVICES =
      Set.of("router-service", "cache-service", "batch-service", "cost-service");

  /** Each scenario rendered once; rendering is the slow part. */
  private final Map<Path, Manifests> rendered =
      Deploy.scenarios().stream().collect(Collectors.toMap(Function.identity(), HelmChart::render));

  Stream<Path> scenarios() {
    return Deploy.scenarios().stream();
  }

  private Manifests manifests(Path scenario) {
    return rendered.get(scenario);
  }

  private JsonNode values(Path scenario) {
    return HelmChart.values(scenario);
  }

  @Test
  void scenariosCoverTheOptionalParts() {
    assertThat(Deploy.scenarios())
        .extracting(p -> p.getFileName().toString())
        .contains("minimal-values.yaml", "full-values.yaml", "ha-values.yaml");
    Manifests full = manifests(Deploy.CHART.resolve("ci/full-values.yaml"));
    assertThat(full.all(HorizontalPodAutoscaler.class)).isNotEmpty();
    assertThat(full.all(NetworkPolicy.class)).hasSize(5);
    assertThat(full.generic("ServiceMonitor")).hasSize(5);
    assertThat(full.generic("PrometheusRule")).hasSize(1);
    assertThat(full.all(io.fabric8.kubernetes.api.model.networking.v1.Ingress.class)).hasSize(1);
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void lintsStrictly(Path scenario, @TempDir Path work) {
    LintResult lint = HelmChart.lintStrict(scenario, work);
    assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
  }

  @Test
  void defaultsRenderEveryServiceButTheSimulator() {
    Manifests defaults = HelmChart.render(null);
    assertThat(defaults.all(Deployment.class))
        .extracting(d -> d.getMetadata().getName())
        .containsExactlyInAnyOrder(
            "tw-router-service", "tw-cache-service", "tw-batch-service", "tw-cost-service");
    assertThat(defaults.all(PodDisruptionBudget.class)).hasSize(4);
    assertThat(defaults.all(HorizontalPodAutoscaler.class)).isEmpty();
    assertThat(defaults.generic("ServiceMonitor")).isEmpty();
    // on by default: the internal services admit only the router, batch-service and Prometheus
    assertThat(defaults.all(NetworkPolicy.class))
        .extracting(p -> p.getMetadata().getName())
        .containsExactlyInAnyOrder(
            "tw-router-service", "tw-cache-service", "tw-batch-service", "tw-cost-service");
    assertThat(defaults.all(ConfigMap.class))
        .filteredOn(c -> "1".equals(c.getMetadata().getLabels().get("grafana_dashboard")))
        .hasSize(Deploy.dashboardFiles().size());
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void probesReadTheActuatorHealthGroupsOnTheServicePort(Path scenario) {
    Manifests m = manifests(scenario);
    for (Deployment deployment : m.all(Deployment.class)) {
      Container container = onlyContainer(deployment);
      assertProbe(container.getLivenessProbe(), "/actuator/health/liveness", deployment);
      assertProbe(container.getReadinessProbe(), "/actuator/health/readiness", deployment);
      assertProbe(container.getStartupProbe(), "/actuator/health/liveness", deployment);
      assertThat(container.getPorts())
          .singleElement()
          .satisfies(p -> assertThat(p.getName()).isEqualTo("http"));
      int port = container.getPorts().get(0).getContainerPort();
      assertThat(env(container, "PORT").getValue()).isEqualTo(String.valueOf(port));
      Service service = m.get(Service.class, deployment.getMetadata().getName());
      assertThat(service.getSpec().getPorts())
          .singleElement()
          .satisfies(
              p -> {
                assertThat(p.getPort()).isEqualTo(port);
                assertThat(p.getTargetPort().getStrVal()).isEqualTo("http");
              });
    }
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void podsRunAsNonRootOnAReadOnlyRootWithWritableTmp(Path scenario) {
    for (Deployment deployment : manifests(scenario).all(Deployment.class)) {
      PodSpec pod = deployment.getSpec().getTemplate().getSpec();
      assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
      assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
      assertThat(pod.getAutomountServiceAccountToken()).isFalse();
      Container container = onlyContainer(deployment);
      assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
      assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
      assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
      assertThat(emptyDirMountedAt(pod, container, "/tmp"))
          .as("%s has an emptyDir at /tmp", deployment.getMetadata().getName())
          .isTrue();
      assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
      assertThat(container.getResources().getLimits()).containsKey("memory");
    }
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void routerSpoolsUsageEventsToAWritableVolume(Path scenario) {
    Manifests m = manifests(scenario);
    Deployment router = m.get(Deployment.class, "tw-router-service");
    String spoolDir =
        springConfig(m, "tw-router-service").at("/tokenwise/router/usage/spool-dir").asString();
    assertThat(spoolDir).startsWith("/");
    assertThat(
            emptyDirMountedAt(
                router.getSpec().getTemplate().getSpec(), onlyContainer(router), spoolDir))
        .isTrue();
  }

  /**
   * A stopping router first finishes its requests (Spring's graceful shutdown phase, 30 s at most)
   * and then replays its spool for up to {@code shutdown-drain}: both must fit in the pod's grace
   * period, or the kubelet kills it mid-replay and the emptyDir's events go with it.
   */
  @ParameterizedTest
  @MethodSource("scenarios")
  void theRoutersShutdownReplayFitsInItsGracePeriod(Path scenario) {
    Manifests m = manifests(scenario);
    Deployment router = m.get(Deployment.class, "tw-router-service");
    String drain =
        springConfig(m, "tw-router-service")
            .at("/tokenwise/router/usage/shutdown-drain")
            .asString();
    assertThat(drain).matches("\\d+s");
    long drainSeconds = Long.parseLong(drain.substring(0, drain.length() - 1));
    long grace = router.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
    assertThat(30 + drainSeconds).isLessThan(grace);
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void everyServiceGetsTheServiceSecretFromTheSecretAndNeverAsAValue(Path scenario) {
    Manifests m = manifests(scenario);
    String secret = values(scenario).at("/secrets/existingSecret").asString();
    String key = values(scenario).at("/secrets/keys/serviceSecret").asString();
    for (String service :
        List.of("router-service", "cache-service", "batch-service", "cost-service")) {
      if (m.named(Deployment.class, "tw-" + service).isEmpty()) {
        continue;
      }
      Container c = onlyContainer(m.get(Deployment.class, "tw-" + service));
      EnvVar var = env(c, "TOKENWISE_SERVICE_SECRET");
      assertThat(var.getValue()).as(service).isNull();
      assertThat(var.getValueFrom().getSecretKeyRef().getName()).as(service).isEqualTo(secret);
      assertThat(var.getValueFrom().getSecretKeyRef().getKey()).as(service).isEqualTo(key);
      // required: a pod without it must not start rather than run unauthenticated
      assertThat(var.getValueFrom().getSecretKeyRef().getOptional()).as(service).isNotEqualTo(true);
    }
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void credentialsComeOnlyFromTheExistingSecret(Path scenario) {
    Manifests m = manifests(scenario);
    String secret = values(scenario).at("/secrets/existingSecret").asString();
    assertThat(m.objects()).noneMatch(o -> "Secret".equals(o.getKind()));
    for (Deployment deployment : m.all(Deployment.class)) {
      for (EnvVar var : onlyContainer(deployment).getEnv()) {
        if (var.getName().matches(".*(KEY|PASSWORD|USERNAME|SECRET|TOKEN).*")) {
          assertThat(var.getValue()).as(var.getName()).isNull();
          assertThat(var.getValueFrom().getSecretKeyRef().getName()).isEqualTo(secret);
        }
      }
    }
    Container router = onlyContainer(m.get(Deployment.class, "tw-router-service"));
    assertThat(router.getEnv())
        .extracting(EnvVar::getName)
        .contains(
            "OPENAI_API_KEY",
            "ANTHROPIC_API_KEY",
            "GEMINI_API_KEY",
            "TOKENWISE_ADMIN_TOKEN",
            "SPRING_DATA_REDIS_PASSWORD");
    // batch-service signs shadow-evaluation webhooks with the key cost-service checks them with.
    List<SecretKeySelector> webhookKeys =
        m.all(Deployment.class).stream()
            .flatMap(d -> onlyContainer(d).getEnv().stream())
            .filter(v -> v.getName().equals("TOKENWISE_WEBHOOK_SECRET"))
            .map(v -> v.getValueFrom().getSecretKeyRef())
            .toList();
    assertThat(webhookKeys)
        .hasSize(
            m.named(Deployment.class, "tw-batch-service").isPresent()
                ? 2
                : (m.named(Deployment.class, "tw-cost-service").isPresent() ? 1 : 0));
    assertThat(webhookKeys)
        .extracting(SecretKeySelector::getKey)
        .containsOnly(values(scenario).at("/secrets/keys/webhookSecret").asString());
    // reports are read with the report token (optional: the admin token reads them too)
    m.named(Deployment.class, "tw-cost-service")
        .ifPresent(
            d ->
                assertThat(env(onlyContainer(d), "TOKENWISE_REPORT_TOKEN").getValueFrom())
                    .satisfies(
                        from -> {
                          assertThat(from.getSecretKeyRef().getKey())
                              .isEqualTo(
                                  values(scenario).at("/secrets/keys/reportToken").asString());
                          assertThat(from.getSecretKeyRef().getOptional()).isTrue();
                        }));
    for (String name : List.of("tw-cost-service", "tw-batch-service")) {
      m.named(Deployment.class, name)
          .ifPresent(
              d -> {
                Container c = onlyContainer(d);
                assertThat(env(c, "SPRING_DATASOURCE_USERNAME").getValueFrom().getSecretKeyRef())
                    .satisfies(ref -> assertThat(ref.getOptional()).isNotEqualTo(Boolean.TRUE));
                assertThat(env(c, "SPRING_DATASOURCE_PASSWORD").getValueFrom().getSecretKeyRef())
                    .isNotNull();
                assertThat(c.getEnv()).extracting(EnvVar::getName).doesNotContain("OPENAI_API_KEY");
              });
    }
    for (ConfigMap config : m.all(ConfigMap.class)) {
      assertThat(String.join("\n", config.getData().values()).toLowerCase())
          .doesNotContain("password:", "api-key");
    }
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void selectorsMatchThePodsTheyMeanAndNothingElse(Path scenario) {
    Manifests m = manifests(scenario);
    List<Deployment> deployments = m.all(Deployment.class);
    for (Deployment deployment : deployments) {
      Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
      assertThat(podLabels)
          .containsAllEntriesOf(deployment.getSpec().getSelector().getMatchLabels());
      Service service = m.get(Service.class, deployment.getMetadata().getName());
      assertThat(deployments)
          .filteredOn(d -> selects(service.getSpec().getSelector(), d))
          .containsExactly(deployment);
    }
    for (PodDisruptionBudget pdb : m.all(PodDisruptionBudget.class)) {
      assertThat(deployments)
          .filteredOn(d -> selects(pdb.getSpec().getSelector().getMatchLabels(), d))
          .extracting(d -> d.getMetadata().getName())
          .containsExactly(pdb.getMetadata().getName());
    }
    for (HorizontalPodAutoscaler hpa : m.all(HorizontalPodAutoscaler.class)) {
      Deployment target = m.get(Deployment.class, hpa.getSpec().getScaleTargetRef().getName());
      assertThat(target.getSpec().getReplicas())
          .as("an autoscaled Deployment leaves replicas to the HPA")
          .isNull();
    }
    for (GenericKubernetesResource monitor : m.generic("ServiceMonitor")) {
      @SuppressWarnings("unchecked")
      Map<String, Object> spec =
          (Map<String, Object>) monitor.getAdditionalProperties().get("spec");
      Service service = m.get(Service.class, monitor.getMetadata().getName());
      assertThat(spec.toString()).contains("path=/actuator/prometheus", "port=http");
      assertThat(((Map<?, ?>) spec.get("selector")).get("matchLabels"))
          .isEqualTo(
              service.getMetadata().getLabels().entrySet().stream()
                  .filter(
                      e ->
                          e.getKey().equals("app.kubernetes.io/name")
                              || e.getKey().equals("app.kubernetes.io/instance"))
                  .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
    }
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void imagesArePinnedNeverLatest(Path scenario) {
    String registry = values(scenario).at("/default/image/registry").asString();
    for (Deployment deployment : manifests(scenario).all(Deployment.class)) {
      String image = onlyContainer(deployment).getImage();
      String service = deployment.getMetadata().getName().substring(HelmChart.RELEASE.length() + 1);
      assertThat(image).startsWith(registry + "/" + service + ":");
      String tag = image.substring(image.lastIndexOf(':') + 1);
      assertThat(tag).isNotBlank().isNotEqualTo("latest");
    }
  }

  @Test
  void imageTagDefaultsToTheProjectVersionTheJibBuildsUse() {
    String version = System.getProperty("tokenwise.project.version");
    Deployment router = HelmChart.render(null).get(Deployment.class, "tw-router-service");
    assertThat(onlyContainer(router).getImage())
        .isEqualTo("ghcr.io/tokenwise/router-service:" + version);
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void podsCarryTheChecksumOfTheirConfiguration(Path scenario) {
    Manifests m = manifests(scenario);
    for (Deployment deployment : m.all(Deployment.class)) {
      String config =
          m.get(ConfigMap.class, deployment.getMetadata().getName())
              .getData()
              .get("application.yaml");
      assertThat(
              deployment
                  .getSpec()
                  .getTemplate()
                  .getMetadata()
                  .getAnnotations()
                  .get("checksum/config"))
          .isEqualTo(sha256(config.stripTrailing()));
      Container container = onlyContainer(deployment);
      assertThat(env(container, "SPRING_CONFIG_ADDITIONAL_LOCATION").getValue())
          .contains("file:/config/application.yaml");
      assertThat(container.getVolumeMounts())
          .extracting(VolumeMount::getMountPath)
          .contains("/config/application.yaml");
    }
  }

  @Test
  void aChangedPropertyRollsOnlyThatServicesPods() {
    Path minimal = Deploy.CHART.resolve("ci/minimal-values.yaml");
    Manifests before = manifests(minimal);
    Manifests after =
        HelmChart.render(
            minimal,
            Map.of("services.cache-service.config.tokenwise.cache.exact.default-ttl", "PT3H"));
    assertThat(checksum(after, "tw-cache-service"))
        .isNotEqualTo(checksum(before, "tw-cache-service"));
    assertThat(checksum(after, "tw-cost-service")).isEqualTo(checksum(before, "tw-cost-service"));
    assertThat(
            springConfig(after, "tw-cache-service")
                .at("/tokenwise/cache/exact/default-ttl")
                .asString())
        .isEqualTo("PT3H");
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void servicesAreToldWhereRedisPostgresAndEachOtherAre(Path scenario) {
    Manifests m = manifests(scenario);
    JsonNode values = values(scenario);
    JsonNode router = springConfig(m, "tw-router-service");
    String cacheUrl = router.at("/tokenwise/router/cache/base-url").asString();
    Service cache = m.get(Service.class, "tw-cache-service");
    assertThat(cacheUrl)
        .isEqualTo("http://tw-cache-service:" + cache.getSpec().getPorts().get(0).getPort());
    assertThat(router.at("/tokenwise/router/providers/openai/base-url").asString())
        .startsWith("http")
        .doesNotEndWith("/v1")
        .doesNotContain("{{");
    m.named(Service.class, "tw-batch-service")
        .ifPresent(
            batch -> {
              assertThat(router.at("/tokenwise/router/batch/base-url").asString())
                  .isEqualTo(
                      "http://tw-batch-service:" + batch.getSpec().getPorts().get(0).getPort());
              assertThat(
                      springConfig(m, "tw-batch-service")
                          .at("/tokenwise/batch/providers/openai/base-url")
                          .asString())
                  .isEqualTo(router.at("/tokenwise/router/providers/openai/base-url").asString());
              // Deferred requests are looked up in and stored to the same cache as the router's.
              assertThat(
                      springConfig(m, "tw-batch-service")
                          .at("/tokenwise/batch/cache/base-url")
                          .asString())
                  .isEqualTo(cacheUrl);
            });
    Service cost = m.get(Service.class, "tw-cost-service");
    assertThat(router.at("/tokenwise/router/cost/base-url").asString())
        .isEqualTo("http://tw-cost-service:" + cost.getSpec().getPorts().get(0).getPort());
    assertThat(router.at("/tokenwise/router/providers/gemini/base-url").asString())
        .startsWith("http")
        .doesNotContain("{{");
    assertThat(router.at("/tokenwise/router/default-route/model").asString())
        .isEqualTo(values.at("/router/defaultRoute/model").asString());
    JsonNode tenants = values.at("/router/tenants");
    for (int i = 0; i < tenants.size(); i++) {
      assertThat(router.at("/tokenwise/router/tenants/" + i + "/key-hashes"))
          .isEqualTo(tenants.get(i).get("keyHashes"));
    }
    String redisUrl = values.at("/redis/url").asString();
    for (Deployment deployment : m.all(Deployment.class)) {
      String name = deployment.getMetadata().getName();
      if (name.endsWith("provider-simulator")) {
        continue;
      }
      JsonNode redis = springConfig(m, name).at("/spring/data/redis");
      assertThat(redisUrl)
          .contains("://" + redis.get("host").asString() + ":" + redis.get("port").asInt());
      assertThat(redis.at("/ssl/enabled").asBoolean()).isEqualTo(redisUrl.startsWith("rediss:"));
      if (name.endsWith("cost-service") || name.endsWith("batch-service")) {
        assertThat(springConfig(m, name).at("/spring/datasource/url").asString())
            .isEqualTo(values.at("/postgresql/url").asString());
      }
    }
  }

  @Test
  void webhooksReachCostServiceAndPublicAddressesOnly() {
    JsonNode webhook =
        springConfig(manifests(Deploy.CHART.resolve("ci/minimal-values.yaml")), "tw-batch-service")
            .at("/tokenwise/batch/webhook");
    assertThat(webhook.at("/allowed-hosts").valueStream().map(JsonNode::asString))
        .containsExactly("tw-cost-service");
    assertThat(webhook.at("/allowed-networks").isMissingNode()).isTrue();
  }

  @Test
  void modelRoutingIsServedOutOfTheBox() {
    Path minimal = Deploy.CHART.resolve("ci/minimal-values.yaml");
    JsonNode auto =
        springConfig(manifests(minimal), "tw-router-service").at("/tokenwise/router/routes/auto");
    assertThat(auto.at("/match/models").valueStream().map(JsonNode::asString))
        .containsExactly("tokenwise/auto", "tokenwise/fast", "tokenwise/smart");
    assertThat(auto.at("/tiers").valueStream().map(JsonNode::asString))
        .containsExactly("gpt-5-nano", "gpt-5");
    assertThat(auto.at("/reference-model").asString()).isEqualTo("gpt-5");
    assertThat(auto.at("/classifier/type").asString()).isEqualTo("learned");

    Manifests off = HelmChart.render(minimal, Map.of("router.modelRouting.enabled", "false"));
    assertThat(
            springConfig(off, "tw-router-service").at("/tokenwise/router/routes").isMissingNode())
        .isTrue();
  }

  @Test
  void routesShipAsAFileTheRouterReloadsAndChangingThemRollsNoPod() {
    Path full = Deploy.CHART.resolve("ci/full-values.yaml");
    Manifests before = manifests(full);
    ConfigMap routes = before.get(ConfigMap.class, "tw-router-service-routes");
    JsonNode file = Deploy.YAML.readTree(routes.getData().get("routes.yaml"));
    assertThat(file.at("/routes/support/tiers").valueStream().map(JsonNode::asString))
        .containsExactly("gpt-5-nano", "gpt-5-mini", "gpt-5");
    String path =
        springConfig(before, "tw-router-service")
            .at("/tokenwise/router/route-file/path")
            .asString();
    Deployment router = before.get(Deployment.class, "tw-router-service");
    VolumeMount mount =
        onlyContainer(router).getVolumeMounts().stream()
            .filter(v -> v.getName().equals("routes"))
            .findFirst()
            .orElseThrow();
    // A subPath mount would never see the kubelet's updates: the directory is mounted.
    assertThat(mount.getSubPath()).isNull();
    assertThat(path).isEqualTo(mount.getMountPath() + "/routes.yaml");
    assertThat(router.getSpec().getTemplate().getSpec().getVolumes())
        .filteredOn(v -> v.getName().equals("routes"))
        .singleElement()
        .satisfies(
            v -> assertThat(v.getConfigMap().getName()).isEqualTo("tw-router-service-routes"));

    Manifests after =
        HelmChart.render(full, Map.of("router.routes.support.output.max-tokens", "512"));
    assertThat(
            Deploy.YAML
                .readTree(
                    after
                        .get(ConfigMap.class, "tw-router-service-routes")
                        .getData()
                        .get("routes.yaml"))
                .at("/routes/support/output/max-tokens")
                .asInt())
        .isEqualTo(512);
    assertThat(checksum(after, "tw-router-service"))
        .isEqualTo(checksum(before, "tw-router-service"));

    Manifests none = HelmChart.render(Deploy.CHART.resolve("ci/minimal-values.yaml"));
    assertThat(none.named(ConfigMap.class, "tw-router-service-routes")).isEmpty();
    assertThat(
            springConfig(none, "tw-router-service")
                .at("/tokenwise/router/route-file")
                .isMissingNode())
        .isTrue();
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void internalServicesAdmitOnlyTheRouterBatchServiceAndPrometheus(Path scenario) {
    Manifests m = manifests(scenario);
    if (m.all(NetworkPolicy.class).isEmpty()) {
      return;
    }
    Map<String, String> routerPods =
        m.get(Deployment.class, "tw-router-service")
            .getSpec()
            .getTemplate()
            .getMetadata()
            .getLabels();
    JsonNode prometheus = values(scenario).at("/networkPolicy/prometheus");
    List<String> rendered =
        m.all(Deployment.class).stream().map(d -> d.getMetadata().getName()).toList();
    for (String service : List.of("cache-service", "batch-service", "cost-service")) {
      if (!rendered.contains("tw-" + service)) {
        continue;
      }
      NetworkPolicy policy = m.get(NetworkPolicy.class, "tw-" + service);
      Deployment target = m.get(Deployment.class, "tw-" + service);
      assertThat(selects(policy.getSpec().getPodSelector().getMatchLabels(), target)).isTrue();
      assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");
      NetworkPolicyIngressRule rule = policy.getSpec().getIngress().get(0);
      assertThat(policy.getSpec().getIngress()).hasSize(1);
      assertThat(rule.getPorts())
          .singleElement()
          .satisfies(p -> assertThat(p.getPort().getStrVal()).isEqualTo("http"));
      List<NetworkPolicyPeer> from = rule.getFrom();
      // batch-service looks answers up in cache-service and delivers webhooks to cost-service.
      boolean batchCalls = !service.equals("batch-service");
      assertThat(from).hasSize(batchCalls ? 3 : 2);
      assertThat(from.get(0).getNamespaceSelector()).isNull();
      assertThat(routerPods).containsAllEntriesOf(from.get(0).getPodSelector().getMatchLabels());
      if (batchCalls) {
        assertThat(from.get(1).getNamespaceSelector()).isNull();
        m.named(Deployment.class, "tw-batch-service")
            .ifPresent(
                batch ->
                    assertThat(batch)
                        .matches(d -> selects(from.get(1).getPodSelector().getMatchLabels(), d)));
        assertThat(routerPods)
            .doesNotContainEntry(
                "app.kubernetes.io/name",
                from.get(1).getPodSelector().getMatchLabels().get("app.kubernetes.io/name"));
      }
      NetworkPolicyPeer prometheusPeer = from.get(from.size() - 1);
      assertThat(prometheusPeer.getNamespaceSelector().getMatchLabels())
          .isEqualTo(
              Deploy.JSON.convertValue(prometheus.at("/namespaceSelector/matchLabels"), Map.class));
      assertThat(prometheusPeer.getPodSelector().getMatchLabels())
          .isEqualTo(
              Deploy.JSON.convertValue(prometheus.at("/podSelector/matchLabels"), Map.class));
    }
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void dashboardsShipAsSidecarConfigMaps(Path scenario) throws IOException {
    Manifests m = manifests(scenario);
    List<ConfigMap> dashboards =
        m.all(ConfigMap.class).stream()
            .filter(c -> "1".equals(c.getMetadata().getLabels().get("grafana_dashboard")))
            .toList();
    if (!values(scenario).at("/dashboards/enabled").asBoolean(true)) {
      assertThat(dashboards).isEmpty();
      return;
    }
    assertThat(dashboards).hasSize(Deploy.dashboardFiles().size());
    for (Path file : Deploy.dashboardFiles()) {
      String name = file.getFileName().toString();
      assertThat(dashboards)
          .filteredOn(c -> c.getData().containsKey(name))
          .singleElement()
          .satisfies(
              c ->
                  assertThat(Deploy.JSON.readTree(c.getData().get(name)))
                      .isEqualTo(Deploy.readJson(file)));
    }
  }

  @Test
  void prometheusRuleCarriesTheAlertRulesWithTheConfiguredBudgets() {
    Path full = Deploy.CHART.resolve("ci/full-values.yaml");
    GenericKubernetesResource rule = manifests(full).generic("PrometheusRule").get(0);
    JsonNode spec = Deploy.JSON.valueToTree(rule.getAdditionalProperties().get("spec"));
    JsonNode file = Deploy.readYaml(Deploy.RULES);
    assertThat(alertNames(spec)).isEqualTo(alertNames(file)).isNotEmpty();
    assertThat(recordExpr(spec, "tokenwise:budget_monthly:usd")).isEqualTo("vector(25000)");
    assertThat(recordExpr(spec, "tokenwise:budget_semantic_false_hit:ratio"))
        .isEqualTo("vector(0.01)");
    assertThat(rule.getMetadata().getLabels()).containsEntry("release", "kube-prometheus-stack");
  }

  @Test
  void notesTellWhereEverythingIsAndWarnWithoutTenants() {
    String defaults = HelmChart.notes(null);
    assertThat(defaults)
        .contains("router-service: http://tw-router-service:8080")
        .contains("port-forward svc/tw-router-service 8080:8080")
        .contains("no tenants are configured")
        .doesNotContain("provider-simulator");
    String full = HelmChart.notes(Deploy.CHART.resolve("ci/full-values.yaml"));
    assertThat(full)
        .contains("provider-simulator: http://tw-provider-simulator:8090")
        .contains("curl https://llm.example.com/v1/chat/completions")
        .contains("Secret \"tokenwise-credentials\"")
        .contains("Routes support are in the ConfigMap tw-router-service-routes")
        .doesNotContain("no tenants are configured");
  }

  @Test
  void tenantsFromASecretAreMountedAndLoadedAfterTheChartsConfig() {
    Manifests ha = manifests(Deploy.CHART.resolve("ci/ha-values.yaml"));
    Deployment router = ha.get(Deployment.class, "tw-router-service");
    PodSpec pod = router.getSpec().getTemplate().getSpec();
    assertThat(pod.getVolumes())
        .filteredOn(v -> "tenants".equals(v.getName()))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.getSecret().getSecretName()).isEqualTo("tokenwise-tenants");
              assertThat(v.getSecret().getItems().get(0).getKey()).isEqualTo("tenants.yaml");
            });
    assertThat(env(onlyContainer(router), "SPRING_CONFIG_ADDITIONAL_LOCATION").getValue())
        .isEqualTo(
            "optional:file:/config/application.yaml,optional:file:/config/tenants/tenants.yaml");
    assertThat(onlyContainer(router).getVolumeMounts())
        .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/config/tenants"));
    assertThat(onlyContainer(ha.get(Deployment.class, "tw-cost-service")).getVolumeMounts())
        .noneSatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/config/tenants"));
  }

  @Test
  void valuesThatBreakTheSchemaAreRejected() throws IOException {
    Path dir = Path.of("src/test/resources/invalid-values");
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.sorted().toList();
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(5);
    for (Path file : files) {
      String expected =
          Files.readAllLines(file, StandardCharsets.UTF_8).get(0).replaceFirst("^# expect: ", "");
      assertThatThrownBy(() -> HelmChart.render(file))
          .as(file.getFileName().toString())
          .hasMessageContaining("values don't meet the specifications of the schema")
          .hasMessageContaining(expected);
    }
  }

  private static List<String> alertNames(JsonNode rules) {
    return rules
        .path("groups")
        .valueStream()
        .flatMap(g -> g.path("rules").valueStream())
        .filter(r -> r.has("alert"))
        .map(r -> r.get("alert").asString())
        .sorted()
        .toList();
  }

  private static String recordExpr(JsonNode rules, String record) {
    return rules
        .path("groups")
        .valueStream()
        .flatMap(g -> g.path("rules").valueStream())
        .filter(r -> record.equals(r.path("record").asString()))
        .map(r -> r.get("expr").asString().strip())
        .findFirst()
        .orElseThrow();
  }

  private static String checksum(Manifests m, String deployment) {
    return m.get(Deployment.class, deployment)
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .get("checksum/config");
  }

  private static JsonNode springConfig(Manifests m, String name) {
    return Deploy.YAML.readTree(m.get(ConfigMap.class, name).getData().get("application.yaml"));
  }

  private static boolean selects(Map<String, String> selector, Deployment deployment) {
    return deployment
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getLabels()
        .entrySet()
        .containsAll(selector.entrySet());
  }

  private static boolean emptyDirMountedAt(PodSpec pod, Container container, String path) {
    return container.getVolumeMounts().stream()
        .filter(m -> m.getMountPath().equals(path))
        .map(VolumeMount::getName)
        .anyMatch(
            name ->
                pod.getVolumes().stream()
                    .filter(v -> v.getName().equals(name))
                    .map(Volume::getEmptyDir)
                    .anyMatch(e -> e != null));
  }

  private static void assertProbe(Probe probe, String path, Deployment deployment) {
    assertThat(probe).as("%s probe %s", deployment.getMetadata().getName(), path).isNotNull();
    assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
    assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("http");
  }

  private static Container onlyContainer(Deployment deployment) {
    List<Container> containers = deployment.getSpec().getTemplate().getSpec().getContainers();
    assertThat(containers).hasSize(1);
    return containers.get(0);
  }

  private static EnvVar env(Container container, String name) {
    return container.getEnv().stream()
        .filter(e -> e.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(container.getName() + " has no env " + name));
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
