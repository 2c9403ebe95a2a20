package dev.tokenwise.cost.reconcile;

import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import org.springframework.web.util.UriComponentsBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads one day of a provider's admin usage and cost reports into {@link Totals} per model and tier
 * (standard or batch). OpenAI: {@code GET /v1/organization/usage/completions} grouped by model and
 * batch, {@code GET /v1/organization/costs} grouped by line item ({@code "<model>, <kind>"}).
 * Anthropic: {@code GET /v1/organizations/usage_report/messages} grouped by model and service tier,
 * {@code GET /v1/organizations/cost_report} grouped by description (amounts in cents). Every page
 * is followed; unknown fields are ignored.
 */
@Component
class ProviderReports {

  private static final BigDecimal CENTS = BigDecimal.valueOf(100);

  private final ReconciliationProperties properties;
  private final JsonMapper json;
  private final Map<String, RestClient> clients = new LinkedHashMap<>();

  ProviderReports(ReconciliationProperties properties, JsonMapper json) {
    this.properties = properties;
    this.json = json;
    for (String provider : List.of("openai", "anthropic")) {
      ReconciliationProperties.Account account = properties.account(provider);
      if (account == null || !account.enabled()) {
        continue;
      }
      JdkClientHttpRequestFactory factory =
          new JdkClientHttpRequestFactory(
              HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build());
      factory.setReadTimeout(properties.timeout());
      RestClient.Builder builder =
          RestClient.builder()
              .baseUrl(properties.baseUrl(provider).toString())
              .requestFactory(factory);
      if (provider.equals("openai")) {
        builder.defaultHeader("Authorization", "Bearer " + account.adminKey().value());
      } else {
        builder
            .defaultHeader("x-api-key", account.adminKey().value())
            .defaultHeader("anthropic-version", "2023-06-01");
      }
      clients.put(provider, builder.build());
    }
  }

  /** What {@code provider} reports for {@code day} (UTC), keyed by model and tier. */
  Map<String, Totals> day(String provider, LocalDate day) {
    Instant start = day.atStartOfDay(ZoneOffset.UTC).toInstant();
    Instant end = start.plus(Duration.ofDays(1));
    RestClient client = clients.get(provider);
    if (client == null) {
      throw new IllegalStateException(provider + " has no admin key");
    }
    Map<String, Totals> out = new LinkedHashMap<>();
    if (provider.equals("openai")) {
      for (JsonNode result :
          pages(
              client,
              page ->
                  UriComponentsBuilder.fromPath("/v1/organization/usage/completions")
                      .queryParam("start_time", start.getEpochSecond())
                      .queryParam("end_time", end.getEpochSecond())
                      .queryParam("bucket_width", "1d")
                      .queryParam("group_by", "model")
                      .queryParam("group_by", "batch")
                      .queryParam("limit", 1)
                      .queryParamIfPresent("page", java.util.Optional.ofNullable(page)))) {
        String tier = result.path("batch").asBoolean(false) ? "batch" : "standard";
        add(
            out,
            new Totals(
                Models.canonical(result.path("model").asString(null)),
                tier,
                result.path("num_model_requests").asLong(),
                result.path("input_tokens").asLong(),
                result.path("input_cached_tokens").asLong(0),
                0,
                0,
                result.path("output_tokens").asLong(),
                BigDecimal.ZERO,
                0));
      }
      for (JsonNode result :
          pages(
              client,
              page ->
                  UriComponentsBuilder.fromPath("/v1/organization/costs")
                      .queryParam("start_time", start.getEpochSecond())
                      .queryParam("end_time", end.getEpochSecond())
                      .queryParam("bucket_width", "1d")
                      .queryParam("group_by", "line_item")
                      .queryParam("limit", 1)
                      .queryParamIfPresent("page", java.util.Optional.ofNullable(page)))) {
        String item = result.path("line_item").asString("");
        int comma = item.indexOf(", ");
        String model = comma < 0 ? item : item.substring(0, comma);
        String tier = comma >= 0 && item.substring(comma).contains("batch") ? "batch" : "standard";
        add(out, cost(model, tier, decimal(result.path("amount").path("value"))));
      }
    } else {
      for (JsonNode result :
          pages(
              client,
              page ->
                  UriComponentsBuilder.fromPath("/v1/organizations/usage_report/messages")
                      .queryParam("starting_at", start.toString())
                      .queryParam("ending_at", end.toString())
                      .queryParam("bucket_width", "1d")
                      .queryParam("group_by[]", "model")
                      .queryParam("group_by[]", "service_tier")
                      .queryParam("limit", 1)
                      .queryParamIfPresent("page", java.util.Optional.ofNullable(page)))) {
        long uncached = result.path("uncached_input_tokens").asLong();
        long read = result.path("cache_read_input_tokens").asLong();
        long w5 = result.path("cache_creation").path("ephemeral_5m_input_tokens").asLong();
        long w1 = result.path("cache_creation").path("ephemeral_1h_input_tokens").asLong();
        add(
            out,
            new Totals(
                Models.canonical(result.path("model").asString(null)),
                tier(result.path("service_tier").asString("standard")),
                null,
                uncached + read + w5 + w1,
                read,
                w5,
                w1,
                result.path("output_tokens").asLong(),
                BigDecimal.ZERO,
                0));
      }
      for (JsonNode result :
          pages(
              client,
              page ->
                  UriComponentsBuilder.fromPath("/v1/organizations/cost_report")
                      .queryParam("starting_at", start.toString())
                      .queryParam("ending_at", end.toString())
                      .queryParam("bucket_width", "1d")
                      .queryParam("group_by[]", "description")
                      .queryParam("limit", 1)
                      .queryParamIfPresent("page", java.util.Optional.ofNullable(page)))) {
        String costType = result.path("cost_type").asString("tokens");
        if (!costType.equals("tokens")) {
          continue; // web search, code execution: Tokenwise records no such usage
        }
        BigDecimal usd = decimal(result.path("amount")).divide(CENTS);
        add(
            out,
            cost(
                result.path("model").asString(null),
                tier(result.path("service_tier").asString("standard")),
                usd));
      }
    }
    return out;
  }

  private static String tier(String serviceTier) {
    return serviceTier.equals("batch") ? "batch" : "standard";
  }

  private static Totals cost(String model, String tier, BigDecimal usd) {
    return new Totals(Models.canonical(model), tier, null, 0, 0, 0, 0, 0, usd, 0);
  }

  private static void add(Map<String, Totals> out, Totals totals) {
    out.merge(key(totals.model(), totals.tier()), totals, Totals::plus);
  }

  static String key(String model, String tier) {
    return model + "\u0000" + tier;
  }

  private static BigDecimal decimal(JsonNode node) {
    if (node.isNumber()) {
      return node.decimalValue();
    }
    String text = node.asString("0");
    return text.isBlank() ? BigDecimal.ZERO : new BigDecimal(text.trim());
  }

  /** Every result of every bucket of every page. */
  private List<JsonNode> pages(RestClient client, Function<String, UriComponentsBuilder> uri) {
    List<JsonNode> results = new java.util.ArrayList<>();
    String page = null;
    for (int pages = 0; pages < 100; pages++) {
      // unencoded: the client encodes the template once (group_by[] becomes group_by%5B%5D)
      String target = uri.apply(page).build().toUriString();
      String body = client.get().uri(target).retrieve().body(String.class);
      JsonNode tree = json.readTree(body == null ? "{}" : body);
      for (JsonNode bucket : tree.path("data")) {
        bucket.path("results").forEach(results::add);
      }
      if (!tree.path("has_more").asBoolean(false) || tree.path("next_page").isNull()) {
        break;
      }
      page = tree.path("next_page").asString(null);
      if (page == null) {
        break;
      }
    }
    return results;
  }
}
