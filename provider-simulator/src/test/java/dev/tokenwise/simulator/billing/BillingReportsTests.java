package dev.tokenwise.simulator.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.admin.organization.usage.UsageCompletionsParams;
import com.openai.models.admin.organization.usage.UsageCompletionsResponse;
import com.openai.models.admin.organization.usage.UsageCostsParams;
import com.openai.models.admin.organization.usage.UsageCostsResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.tokenwise.common.pricing.PriceCatalogs;
import dev.tokenwise.common.pricing.Rates;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The providers' admin usage and cost reports add up to what the simulator answered: OpenAI's
 * parsed by the official SDK with response validation on, Anthropic's against the shape in its API
 * reference; and each injectable discrepancy shows in them.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class BillingReportsTests {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

  @LocalServerPort int port;

  private final HttpClient http = HttpClient.newHttpClient();
  private OpenAIClient openAi;
  private OpenAIClient admin;

  @BeforeEach
  void reset() throws Exception {
    send("DELETE", "/simulator/billing/discrepancies", null, List.of());
    openAi = client(b -> b.apiKey("sk-test"));
    admin = client(b -> b.adminApiKey("sk-admin-test"));
  }

  private OpenAIClient client(java.util.function.Consumer<OpenAIOkHttpClient.Builder> key) {
    OpenAIOkHttpClient.Builder builder = OpenAIOkHttpClient.builder();
    key.accept(builder);
    return builder
        .baseUrl("http://localhost:" + port + "/v1")
        .maxRetries(0)
        .responseValidation(true)
        .timeout(Duration.ofSeconds(20))
        .build();
  }

  private ChatCompletion chat(String text) {
    return openAi
        .chat()
        .completions()
        .create(
            ChatCompletionCreateParams.builder().model("gpt-5-mini").addUserMessage(text).build());
  }

  private long today() {
    return Instant.now().truncatedTo(ChronoUnit.DAYS).getEpochSecond();
  }

  private UsageCompletionsResponse.Data.Result.OrganizationUsageCompletionsResult openAiUsage() {
    UsageCompletionsResponse usage =
        admin
            .admin()
            .organization()
            .usage()
            .completions(
                UsageCompletionsParams.builder()
                    .startTime(today())
                    .bucketWidth(UsageCompletionsParams.BucketWidth._1D)
                    .addGroupBy(UsageCompletionsParams.GroupBy.MODEL)
                    .addGroupBy(UsageCompletionsParams.GroupBy.BATCH)
                    .limit(1)
                    .build());
    assertThat(usage.data()).hasSize(1);
    assertThat(usage.data().get(0).results()).hasSize(1);
    return usage.data().get(0).results().get(0).organizationUsageCompletions().orElseThrow();
  }

  private BigDecimal openAiCost() {
    UsageCostsResponse costs =
        admin
            .admin()
            .organization()
            .usage()
            .costs(
                UsageCostsParams.builder()
                    .startTime(today())
                    .addGroupBy(UsageCostsParams.GroupBy.LINE_ITEM)
                    .limit(1)
                    .build());
    BigDecimal total = BigDecimal.ZERO;
    for (var result : costs.data().get(0).results()) {
      var cost = result.organizationCosts().orElseThrow();
      assertThat(cost.lineItem()).get().asString().startsWith("gpt-5-mini-2025-08-07, ");
      total = total.add(BigDecimal.valueOf(cost.amount().orElseThrow().value().orElseThrow()));
    }
    return total;
  }

  @Test
  void openAiReportsAddUpToWhatWasAnsweredAndParseWithTheSdk() {
    String longPrompt = "Tell me about rule 7 of the fare policy. ".repeat(200);
    List<ChatCompletion> answers = new ArrayList<>();
    answers.add(chat(longPrompt + "First?"));
    answers.add(chat(longPrompt + "Second?"));
    answers.add(chat("Short question"));
    long input = answers.stream().mapToLong(a -> a.usage().orElseThrow().promptTokens()).sum();
    long output = answers.stream().mapToLong(a -> a.usage().orElseThrow().completionTokens()).sum();
    long cached =
        answers.stream()
            .mapToLong(
                a ->
                    a.usage()
                        .orElseThrow()
                        .promptTokensDetails()
                        .orElseThrow()
                        .cachedTokens()
                        .orElse(0L))
            .sum();
    assertThat(cached).as("the second long prompt read the first's prefix").isPositive();

    var result = openAiUsage();
    assertThat(result.model()).contains("gpt-5-mini-2025-08-07");
    assertThat(result.batch()).contains(false);
    assertThat(result.numModelRequests()).isEqualTo(3);
    assertThat(result.inputTokens()).isEqualTo(input);
    assertThat(result.inputCachedTokens()).contains(cached);
    assertThat(result.outputTokens()).isEqualTo(output);

    Rates rates = PriceCatalogs.bundled().current().require("gpt-5-mini").rates();
    BigDecimal expected =
        rates
            .input()
            .multiply(BigDecimal.valueOf(input - cached))
            .add(rates.cachedInput().multiply(BigDecimal.valueOf(cached)))
            .add(rates.output().multiply(BigDecimal.valueOf(output)))
            .divide(MILLION);
    assertThat(openAiCost()).isEqualByComparingTo(expected);
  }

  @Test
  void anInjectedPriceChangeOrDroppedRequestShowsInTheReports() throws Exception {
    ChatCompletion first = chat("What is a fare class?");
    BigDecimal before = openAiCost();
    inject(
        "{\"kind\":\"price-change\",\"provider\":\"openai\",\"model\":\"gpt-5-mini\",\"factor\":2}");
    inject("{\"kind\":\"dropped-request\",\"provider\":\"openai\"}");
    ChatCompletion second = chat("What is a fare class?");
    assertThat(second.usage().orElseThrow().promptTokens())
        .isEqualTo(first.usage().orElseThrow().promptTokens());
    var result = openAiUsage();
    assertThat(result.numModelRequests()).as("one request the client never saw").isEqualTo(3);
    assertThat(result.inputTokens()).isEqualTo(3 * first.usage().orElseThrow().promptTokens());
    assertThat(openAiCost())
        .as("two requests at twice the price")
        .isEqualByComparingTo(before.multiply(BigDecimal.valueOf(5)));
  }

  @Test
  void anthropicReportsSplitCacheWritesByTtlAndPriceInCents() throws Exception {
    ObjectNode body =
        JSON.createObjectNode().put("model", "claude-sonnet-4-5").put("max_tokens", 200);
    ObjectNode system = body.putArray("system").addObject();
    system.put("type", "text").put("text", "Fare policy rule. ".repeat(600));
    system.putObject("cache_control").put("type", "ephemeral").put("ttl", "1h");
    body.putArray("messages").addObject().put("role", "user").put("content", "What is rule 3?");
    JsonNode first = messages(body.toString());
    JsonNode second = messages(body.toString());
    assertThat(first.path("usage").path("cache_creation_input_tokens").asLong()).isPositive();
    assertThat(second.path("usage").path("cache_read_input_tokens").asLong()).isPositive();

    String starting = Instant.now().truncatedTo(ChronoUnit.DAYS).toString();
    JsonNode usage =
        adminGet(
            "/v1/organizations/usage_report/messages?starting_at="
                + starting
                + "&bucket_width=1d&limit=1&group_by[]=model&group_by[]=service_tier");
    JsonNode result = usage.path("data").path(0).path("results").path(0);
    assertThat(usage.path("data").path(0).path("starting_at").asString()).isEqualTo(starting);
    assertThat(usage.path("has_more").asBoolean()).isFalse();
    assertThat(result.path("model").asString()).isEqualTo("claude-sonnet-4-5-20250929");
    assertThat(result.path("service_tier").asString()).isEqualTo("standard");
    long uncached = sum(first, second, "input_tokens");
    long read = sum(first, second, "cache_read_input_tokens");
    long written = sum(first, second, "cache_creation_input_tokens");
    long output = sum(first, second, "output_tokens");
    assertThat(result.path("uncached_input_tokens").asLong()).isEqualTo(uncached);
    assertThat(result.path("cache_read_input_tokens").asLong()).isEqualTo(read);
    assertThat(result.path("cache_creation").path("ephemeral_1h_input_tokens").asLong())
        .isEqualTo(written);
    assertThat(result.path("cache_creation").path("ephemeral_5m_input_tokens").asLong()).isZero();
    assertThat(result.path("output_tokens").asLong()).isEqualTo(output);
    assertThat(result.path("workspace_id").isNull()).isTrue();

    JsonNode costs =
        adminGet(
            "/v1/organizations/cost_report?starting_at="
                + starting
                + "&limit=1&group_by[]=description");
    BigDecimal cents = BigDecimal.ZERO;
    List<String> types = new ArrayList<>();
    for (JsonNode line : costs.path("data").path(0).path("results")) {
      assertThat(line.path("currency").asString()).isEqualTo("USD");
      assertThat(line.path("cost_type").asString()).isEqualTo("tokens");
      assertThat(line.path("model").asString()).isEqualTo("claude-sonnet-4-5-20250929");
      types.add(line.path("token_type").asString());
      cents = cents.add(new BigDecimal(line.path("amount").asString()));
    }
    assertThat(types)
        .containsExactlyInAnyOrder(
            "uncached_input_tokens",
            "output_tokens",
            "cache_read_input_tokens",
            "cache_creation.ephemeral_1h_input_tokens");
    Rates rates = PriceCatalogs.bundled().current().require("claude-sonnet-4-5").rates();
    BigDecimal usd =
        rates
            .input()
            .multiply(BigDecimal.valueOf(uncached))
            .add(rates.cachedInput().multiply(BigDecimal.valueOf(read)))
            .add(rates.cacheWrite1h().multiply(BigDecimal.valueOf(written)))
            .add(rates.output().multiply(BigDecimal.valueOf(output)))
            .divide(MILLION);
    assertThat(cents).isEqualByComparingTo(usd.multiply(BigDecimal.valueOf(100)));
  }

  @Test
  void aDuplicatedBatchLineIsBilledTwiceAtTheBatchPrice() throws Exception {
    inject("{\"kind\":\"duplicated-batch-line\",\"provider\":\"anthropic\"}");
    String batch =
        "{\"requests\":[{\"custom_id\":\"a\",\"params\":{\"model\":\"claude-haiku-4-5\","
            + "\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"Why batch?\"}]}},"
            + "{\"custom_id\":\"b\",\"params\":{\"model\":\"claude-haiku-4-5\",\"max_tokens\":50,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Why wait?\"}]}}]}";
    JsonNode created =
        JSON.readTree(
            send("POST", "/v1/messages/batches", batch, anthropicHeaders("sk-ant-test")).body());
    String id = created.path("id").asString();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                JSON.readTree(
                        send(
                                "GET",
                                "/v1/messages/batches/" + id,
                                null,
                                anthropicHeaders("sk-ant-test"))
                            .body())
                    .path("processing_status")
                    .asString()
                    .equals("ended"));
    JsonNode usage =
        adminGet(
            "/v1/organizations/usage_report/messages?starting_at="
                + Instant.now().truncatedTo(ChronoUnit.DAYS)
                + "&limit=1&group_by[]=service_tier");
    JsonNode results = usage.path("data").path(0).path("results");
    assertThat(results).hasSize(1);
    assertThat(results.path(0).path("service_tier").asString()).isEqualTo("batch");
    JsonNode costs =
        adminGet(
            "/v1/organizations/cost_report?starting_at="
                + Instant.now().truncatedTo(ChronoUnit.DAYS)
                + "&limit=1&group_by[]=description");
    for (JsonNode line : costs.path("data").path(0).path("results")) {
      assertThat(line.path("service_tier").asString()).isEqualTo("batch");
    }
    // three lines billed for two requests: one line's output is in the report twice
    List<Long> outputs = new ArrayList<>();
    for (String line :
        send(
                "GET",
                "/v1/messages/batches/" + id + "/results",
                null,
                anthropicHeaders("sk-ant-test"))
            .body()
            .split("\n")) {
      if (!line.isBlank()) {
        outputs.add(
            JSON.readTree(line)
                .path("result")
                .path("message")
                .path("usage")
                .path("output_tokens")
                .asLong());
      }
    }
    assertThat(outputs).hasSize(2);
    long sum = outputs.get(0) + outputs.get(1);
    assertThat(results.path(0).path("output_tokens").asLong())
        .isIn(sum + outputs.get(0), sum + outputs.get(1));
    assertThat(
            JSON.readTree(send("GET", "/simulator/billing/discrepancies", null, List.of()).body()))
        .as("the duplicate was used up")
        .isEmpty();
  }

  @Test
  void badQueriesAndKeysAreRefusedInTheProvidersEnvelopes() throws Exception {
    HttpResponse<String> noStart =
        send(
            "GET",
            "/v1/organization/usage/completions",
            null,
            List.of("Authorization", "Bearer sk-admin-test"));
    assertThat(noStart.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(noStart.body()).path("error").path("type").asString())
        .isEqualTo("invalid_request_error");
    HttpResponse<String> inferenceKey =
        send(
            "GET",
            "/v1/organization/costs?start_time=0",
            null,
            List.of("Authorization", "Bearer sk-test"));
    assertThat(inferenceKey.statusCode()).isEqualTo(403);
    HttpResponse<String> anthropicKey =
        send(
            "GET",
            "/v1/organizations/cost_report?starting_at=2026-01-01T00:00:00Z",
            null,
            anthropicHeaders("sk-ant-test"));
    assertThat(anthropicKey.statusCode()).isEqualTo(401);
    assertThat(JSON.readTree(anthropicKey.body()).path("type").asString()).isEqualTo("error");
    HttpResponse<String> badGroup =
        send(
            "GET",
            "/v1/organizations/usage_report/messages?starting_at=2026-01-01T00:00:00Z&group_by[]=user",
            null,
            anthropicHeaders("sk-ant-admin01-test"));
    assertThat(badGroup.statusCode()).isEqualTo(400);
    HttpResponse<String> badKind =
        send(
            "POST",
            "/simulator/billing/discrepancies",
            "{\"kind\":\"lost\",\"provider\":\"openai\"}",
            List.of("Content-Type", "application/json"));
    assertThat(badKind.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(badKind.body()).path("type").asString())
        .isEqualTo("https://tokenwise.dev/problems/invalid-billing-discrepancy");
    assertThat(
            JSON.readTree(send("GET", "/simulator/billing/discrepancies", null, List.of()).body()))
        .isEmpty();
  }

  private static long sum(JsonNode a, JsonNode b, String field) {
    return a.path("usage").path(field).asLong() + b.path("usage").path(field).asLong();
  }

  private void inject(String body) throws Exception {
    HttpResponse<String> response =
        send(
            "POST",
            "/simulator/billing/discrepancies",
            body,
            List.of("Content-Type", "application/json"));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
  }

  private JsonNode messages(String body) throws Exception {
    HttpResponse<String> response =
        send("POST", "/v1/messages", body, anthropicHeaders("sk-ant-test"));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private JsonNode adminGet(String path) throws Exception {
    HttpResponse<String> response =
        send("GET", path, null, anthropicHeaders("sk-ant-admin01-test"));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static List<String> anthropicHeaders(String key) {
    return List.of(
        "x-api-key", key, "anthropic-version", "2023-06-01", "Content-Type", "application/json");
  }

  private HttpResponse<String> send(String method, String path, String body, List<String> headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.size(); i += 2) {
      request.header(headers.get(i), headers.get(i + 1));
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
