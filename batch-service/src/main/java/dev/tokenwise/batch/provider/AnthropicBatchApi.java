package dev.tokenwise.batch.provider;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import org.springframework.core.io.FileSystemResource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Anthropic Message Batches API (POST /v1/messages/batches, results as JSONL). */
@Component
class AnthropicBatchApi implements BatchApi {

  static final String VERSION = "2023-06-01";

  /**
   * How long before a crashed attempt began a batch may have been created and still count as its
   * orphan (clock skew between us and the provider).
   */
  private static final long SKEW_SECONDS = 60;

  private final RestClient http;
  private final ApiKey key;
  private final JsonMapper json;

  AnthropicBatchApi(ProviderProperties properties, JsonMapper json) {
    this.http = Http.client(properties.anthropic(), properties.timeout());
    this.key = properties.anthropic().apiKey();
    this.json = json;
  }

  @Override
  public Provider provider() {
    return Provider.ANTHROPIC;
  }

  @Override
  public String upload(UUID batchId, Path file) {
    return null;
  }

  @Override
  public String create(UUID batchId, Path file, String inputFileId) {
    // The file already is the {"requests":[...]} body: streamed from disk, never held in memory.
    JsonNode created =
        call(
            http.post()
                .uri("/v1/messages/batches")
                .headers(this::auth)
                .contentType(MediaType.APPLICATION_JSON)
                .body(new FileSystemResource(file)));
    return created.path("id").asString();
  }

  /**
   * Message batches carry no metadata, so an orphan is recognised as a batch created since the
   * crashed attempt began, holding as many requests, that no other batch of ours recorded. One
   * assembler runs at a time (ShedLock), so at most one such attempt is open per key.
   */
  @Override
  public Optional<String> findOrphan(
      UUID batchId, Instant since, int lines, Predicate<String> known) {
    String after = null;
    for (int page = 0; page < 20; page++) {
      String uri = "/v1/messages/batches?limit=100" + (after == null ? "" : "&after_id=" + after);
      JsonNode list = call(http.get().uri(uri).headers(this::auth));
      for (JsonNode batch : list.path("data")) {
        Instant created = Instant.parse(batch.path("created_at").asString());
        if (created.isBefore(since.minusSeconds(SKEW_SECONDS))) {
          return Optional.empty();
        }
        JsonNode counts = batch.path("request_counts");
        long total = 0;
        for (String field :
            new String[] {"processing", "succeeded", "errored", "canceled", "expired"}) {
          total += counts.path(field).asLong();
        }
        String id = batch.path("id").asString();
        if (total == lines && !known.test(id)) {
          return Optional.of(id);
        }
      }
      if (!list.path("has_more").asBoolean(false)) {
        return Optional.empty();
      }
      after = list.path("last_id").asString();
    }
    return Optional.empty();
  }

  @Override
  public RemoteBatch status(String providerBatchId) {
    JsonNode batch =
        call(http.get().uri("/v1/messages/batches/{id}", providerBatchId).headers(this::auth));
    String status = batch.path("processing_status").asString();
    return new RemoteBatch(providerBatchId, status, "ended".equals(status), null, null);
  }

  @Override
  public void download(RemoteBatch batch, Path target) {
    try (OutputStream out = Files.newOutputStream(target)) {
      http.get()
          .uri("/v1/messages/batches/{id}/results", batch.id())
          .headers(this::auth)
          .exchange(
              (request, response) -> {
                if (!response.getStatusCode().is2xxSuccessful()) {
                  throw new ProviderCallException(
                      "anthropic results of "
                          + batch.id()
                          + ": HTTP "
                          + response.getStatusCode().value());
                }
                try (InputStream in = response.getBody()) {
                  in.transferTo(out);
                }
                return null;
              });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public ResultLine parse(JsonNode line) {
    String customId = line.path("custom_id").asString();
    JsonNode result = line.path("result");
    return switch (result.path("type").asString("")) {
      case "succeeded" ->
          new ResultLine(
              customId, ResultLine.Outcome.SUCCEEDED, result.path("message"), null, false);
      case "expired" -> new ResultLine(customId, ResultLine.Outcome.EXPIRED, null, "expired", true);
      case "canceled" ->
          new ResultLine(customId, ResultLine.Outcome.CANCELED, null, "canceled", true);
      default -> {
        JsonNode error = result.at("/error/error");
        String type = error.path("type").asString("api_error");
        boolean retryable =
            type.equals("api_error")
                || type.equals("overloaded_error")
                || type.equals("rate_limit_error");
        yield new ResultLine(
            customId,
            ResultLine.Outcome.ERRORED,
            null,
            type + ": " + error.path("message").asString(""),
            retryable);
      }
    };
  }

  @Override
  public SyncReply callSync(String body) {
    return http.post()
        .uri(Provider.ANTHROPIC.endpoint())
        .headers(this::auth)
        .contentType(MediaType.APPLICATION_JSON)
        .body(body)
        .exchange(
            (request, response) ->
                new SyncReply(
                    response.getStatusCode().value(),
                    new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8)));
  }

  private void auth(HttpHeaders headers) {
    if (key != null && key.isPresent()) {
      headers.set("x-api-key", key.value());
    }
    headers.set("anthropic-version", VERSION);
  }

  private JsonNode call(RestClient.RequestHeadersSpec<?> request) {
    return request.exchange(
        (req, response) -> {
          byte[] bytes = response.getBody().readAllBytes();
          if (!response.getStatusCode().is2xxSuccessful()) {
            throw new ProviderCallException(
                "anthropic "
                    + req.getMethod()
                    + " "
                    + req.getURI().getPath()
                    + ": HTTP "
                    + response.getStatusCode().value());
          }
          return json.readTree(bytes);
        });
  }
}
