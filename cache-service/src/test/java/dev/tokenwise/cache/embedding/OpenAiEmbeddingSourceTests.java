package dev.tokenwise.cache.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class OpenAiEmbeddingSourceTests {

  @Test
  void callsTheEmbeddingsEndpointAndReturnsUnitVectorsInInputOrder() throws Exception {
    List<String> bodies = new CopyOnWriteArrayList<>();
    List<String> authorizations = new CopyOnWriteArrayList<>();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/v1/embeddings",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          bodies.add(body);
          authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
          // Items deliberately out of order: the source must place them by "index".
          String answer =
              body.contains("second")
                  ? """
                    {"object":"list","data":[
                     {"object":"embedding","index":1,"embedding":[0.0,3.0,4.0]},
                     {"object":"embedding","index":0,"embedding":[2.0,0.0,0.0]}],
                     "model":"m","usage":{"prompt_tokens":2,"total_tokens":2}}
                    """
                  : """
                    {"object":"list","data":[{"object":"embedding","index":0,
                     "embedding":[1.0,0.0,0.0]}],"model":"m"}
                    """;
          byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, bytes.length);
          exchange.getResponseBody().write(bytes);
          exchange.close();
        });
    server.start();
    try {
      EmbeddingSource source =
          OpenAiEmbeddingSource.create(
              URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"),
              "text-embedding-3-small",
              new OpenAiEmbeddingSource.ApiKey("sk-test"));

      List<float[]> vectors = source.embed(List.of("first", "second"));

      assertThat(source.dimension()).isEqualTo(3);
      assertThat(source.modelId()).isEqualTo("openai:text-embedding-3-small");
      assertThat(vectors.get(0)).containsExactly(1f, 0f, 0f);
      assertThat(vectors.get(1)).containsExactly(0f, 0.6f, 0.8f);
      assertThat(bodies.get(bodies.size() - 1))
          .contains("\"model\":\"text-embedding-3-small\"")
          .contains("\"input\":[\"first\",\"second\"]");
      assertThat(authorizations).containsOnly("Bearer sk-test");
      assertThat(new OpenAiEmbeddingSource.ApiKey("sk-test").toString()).doesNotContain("sk-test");
    } finally {
      server.stop(0);
    }
  }
}
