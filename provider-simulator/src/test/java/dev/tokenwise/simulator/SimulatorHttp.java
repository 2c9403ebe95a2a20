package dev.tokenwise.simulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A plain HTTP client for tests that need the bytes on the wire (event-stream framing, broken
 * connections), which typed clients hide.
 */
public final class SimulatorHttp {

  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final String base;

  public SimulatorHttp(int port) {
    this.base = "http://localhost:" + port;
  }

  /** A request builder for {@code path} with a 20-second timeout. */
  public HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
  }

  /** A POST of {@code json} to OpenAI's chat endpoint with a bearer key and extra headers. */
  public HttpRequest.Builder openAi(String json, String... headers) {
    HttpRequest.Builder request =
        request("/v1/chat/completions")
            .header("Authorization", "Bearer sk-test")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json));
    return headers.length == 0 ? request : request.headers(headers);
  }

  /**
   * A POST of {@code json} to Anthropic's messages endpoint with key, version and extra headers.
   */
  public HttpRequest.Builder anthropic(String json, String... headers) {
    HttpRequest.Builder request =
        request("/v1/messages")
            .header("x-api-key", "sk-ant-test")
            .header("anthropic-version", "2023-06-01")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json));
    return headers.length == 0 ? request : request.headers(headers);
  }

  /**
   * Sends and reads the whole body as text, within 60 s in all: the request's own timeout ends at
   * the response headers, so an event stream that never ends would otherwise hang the build.
   */
  public HttpResponse<String> send(HttpRequest.Builder request) throws IOException {
    try {
      return client
          .sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
          .get(60, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException(e));
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IOException("No complete answer within 60 s (the body never ended)", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    }
  }
}
