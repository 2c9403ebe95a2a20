package dev.tokenwise.cache.embedding;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Embeddings from an OpenAI-compatible {@code POST /v1/embeddings} endpoint (OpenAI, a local server
 * such as vLLM, Ollama or text-embeddings-inference). Blocking by design: it is only called from
 * {@link BatchingEmbedder}'s own threads, never from an event loop.
 */
public final class OpenAiEmbeddingSource implements EmbeddingSource {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final RestClient client;
  private final String model;
  private final int dimension;

  OpenAiEmbeddingSource(RestClient client, String model) {
    this.client = client;
    this.model = model;
    this.dimension = embed(List.of("dimension probe")).get(0).length;
  }

  /** A source calling {@code baseUrl + /v1/embeddings} with {@code model} and the given key. */
  public static OpenAiEmbeddingSource create(URI baseUrl, String model, ApiKey apiKey) {
    RestClient.Builder builder =
        RestClient.builder().baseUrl(baseUrl.toString().replaceAll("/+$", ""));
    if (apiKey != null && apiKey.isPresent()) {
      builder.defaultHeader("Authorization", "Bearer " + apiKey.reveal());
    }
    return new OpenAiEmbeddingSource(builder.build(), model);
  }

  @Override
  public List<float[]> embed(List<String> texts) {
    ObjectNode body = JSON.createObjectNode();
    body.put("model", model);
    ArrayNode input = body.putArray("input");
    texts.forEach(input::add);
    String answer =
        client
            .post()
            .uri("/v1/embeddings")
            .contentType(MediaType.APPLICATION_JSON)
            .body(JSON.writeValueAsString(body))
            .retrieve()
            .body(String.class);
    JsonNode data = JSON.readTree(answer).path("data");
    if (!data.isArray() || data.size() != texts.size()) {
      throw new IllegalStateException("embeddings endpoint answered " + data.size() + " vectors");
    }
    float[][] ordered = new float[texts.size()][];
    for (JsonNode item : data.values()) {
      int index = item.path("index").asInt(-1);
      JsonNode values = item.path("embedding");
      if (index < 0 || index >= ordered.length || !values.isArray()) {
        throw new IllegalStateException("embeddings endpoint answered a malformed item");
      }
      float[] vector = new float[values.size()];
      for (int i = 0; i < vector.length; i++) {
        vector[i] = (float) values.get(i).asDouble();
      }
      ordered[index] = EmbeddingSource.normalize(vector);
    }
    return new ArrayList<>(List.of(ordered));
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public String modelId() {
    return "openai:" + model;
  }

  /** An API key whose {@code toString()} never prints it. */
  public record ApiKey(String value) {

    public boolean isPresent() {
      return value != null && !value.isBlank();
    }

    String reveal() {
      return value;
    }

    @Override
    public String toString() {
      return isPresent() ? "ApiKey[****]" : "ApiKey[none]";
    }
  }
}
