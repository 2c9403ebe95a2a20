package dev.tokenwise.batch.provider;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.springframework.core.io.FileSystemResource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** OpenAI Files and Batches APIs (JSONL input file, POST /v1/batches, output file). */
@Component
class OpenAiBatchApi implements BatchApi {

  /** The metadata key that ties a provider batch to batch-service's own batch id. */
  static final String METADATA_KEY = "tokenwise_batch";

  private static final Set<String> ENDED = Set.of("completed", "failed", "expired", "cancelled");

  /** How far back the orphan search pages through the batch list. */
  private static final int ORPHAN_SEARCH_PAGES = 20;

  private final RestClient http;
  private final ApiKey key;
  private final JsonMapper json;

  OpenAiBatchApi(ProviderProperties properties, JsonMapper json) {
    this.http = Http.client(properties.openai(), properties.timeout());
    this.key = properties.openai().apiKey();
    this.json = json;
  }

  @Override
  public Provider provider() {
    return Provider.OPENAI;
  }

  @Override
  public String upload(UUID batchId, Path file) {
    MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
    parts.add("purpose", "batch");
    parts.add(
        "file",
        new FileSystemResource(file) {
          @Override
          public String getFilename() {
            return "tokenwise-" + batchId + ".jsonl";
          }
        });
    JsonNode created =
        call(
            http.post()
                .uri("/v1/files")
                .headers(this::auth)
                .contentType(MediaType.MULTIPART_FORM_DATA)
                .body(parts));
    return created.path("id").asString();
  }

  @Override
  public String create(UUID batchId, Path file, String inputFileId) {
    ObjectNode body = json.createObjectNode();
    body.put("input_file_id", inputFileId);
    body.put("endpoint", Provider.OPENAI.endpoint());
    body.put("completion_window", "24h");
    body.putObject("metadata").put(METADATA_KEY, batchId.toString());
    JsonNode created =
        call(
            http.post()
                .uri("/v1/batches")
                .headers(this::auth)
                .contentType(MediaType.APPLICATION_JSON)
                .body(body.toString()));
    return created.path("id").asString();
  }

  @Override
  public Optional<String> findOrphan(
      UUID batchId, Instant since, int lines, Predicate<String> known) {
    String after = null;
    for (int page = 0; page < ORPHAN_SEARCH_PAGES; page++) {
      String uri = "/v1/batches?limit=100" + (after == null ? "" : "&after=" + after);
      JsonNode list = call(http.get().uri(uri).headers(this::auth));
      for (JsonNode batch : list.path("data")) {
        if (batchId.toString().equals(batch.at("/metadata/" + METADATA_KEY).asString(null))) {
          return Optional.of(batch.path("id").asString());
        }
        if (batch.path("created_at").asLong() < since.getEpochSecond() - 3600) {
          return Optional.empty();
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
    JsonNode batch = call(http.get().uri("/v1/batches/{id}", providerBatchId).headers(this::auth));
    String status = batch.path("status").asString();
    return new RemoteBatch(
        providerBatchId,
        status,
        ENDED.contains(status),
        batch.path("output_file_id").asString(null),
        batch.path("error_file_id").asString(null));
  }

  @Override
  public void download(RemoteBatch batch, Path target) {
    try (OutputStream out = Files.newOutputStream(target)) {
      for (String fileId : new String[] {batch.outputFileId(), batch.errorFileId()}) {
        if (fileId == null || fileId.isBlank()) {
          continue;
        }
        http.get()
            .uri("/v1/files/{id}/content", fileId)
            .headers(this::auth)
            .exchange(
                (request, response) -> {
                  if (!response.getStatusCode().is2xxSuccessful()) {
                    throw new ProviderCallException(
                        "openai file " + fileId + ": HTTP " + response.getStatusCode().value());
                  }
                  try (InputStream in = response.getBody()) {
                    in.transferTo(out);
                  }
                  out.write('\n');
                  return null;
                });
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public ResultLine parse(JsonNode line) {
    String customId = line.path("custom_id").asString();
    JsonNode response = line.path("response");
    JsonNode error = line.path("error");
    if (response.isObject() && response.path("status_code").asInt() == 200) {
      return new ResultLine(
          customId, ResultLine.Outcome.SUCCEEDED, response.path("body"), null, false);
    }
    if (error.isObject()) {
      String code = error.path("code").asString("error");
      ResultLine.Outcome outcome =
          switch (code) {
            case "batch_expired" -> ResultLine.Outcome.EXPIRED;
            case "batch_cancelled" -> ResultLine.Outcome.CANCELED;
            default -> ResultLine.Outcome.ERRORED;
          };
      return new ResultLine(
          customId, outcome, null, code + ": " + error.path("message").asString(""), true);
    }
    int status = response.path("status_code").asInt(500);
    JsonNode message = response.at("/body/error/message");
    return new ResultLine(
        customId,
        ResultLine.Outcome.ERRORED,
        null,
        "HTTP " + status + ": " + message.asString("no message"),
        status >= 500 || status == 429);
  }

  @Override
  public SyncReply callSync(String body) {
    return http.post()
        .uri(Provider.OPENAI.endpoint())
        .headers(this::auth)
        .contentType(MediaType.APPLICATION_JSON)
        .body(body)
        .exchange(
            (request, response) ->
                new SyncReply(
                    response.getStatusCode().value(),
                    new String(
                        response.getBody().readAllBytes(),
                        java.nio.charset.StandardCharsets.UTF_8)));
  }

  private void auth(HttpHeaders headers) {
    if (key != null && key.isPresent()) {
      headers.setBearerAuth(key.value());
    }
  }

  private JsonNode call(RestClient.RequestHeadersSpec<?> request) {
    return request.exchange(
        (req, response) -> {
          byte[] bytes = response.getBody().readAllBytes();
          if (!response.getStatusCode().is2xxSuccessful()) {
            throw new ProviderCallException(
                "openai "
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
