package dev.tokenwise.simulator.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.batches.BatchCreateParams;
import com.anthropic.models.messages.batches.MessageBatch;
import com.anthropic.models.messages.batches.MessageBatchIndividualResponse;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The official Anthropic Java SDK creates a message batch, polls it until it ends and streams its
 * results, with response validation on.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AnthropicBatchSdkTests {

  @LocalServerPort int port;

  AnthropicClient client;

  @BeforeEach
  void client() {
    client =
        AnthropicOkHttpClient.builder()
            .apiKey("sk-ant-test")
            .baseUrl("http://localhost:" + port)
            .maxRetries(0)
            .responseValidation(true)
            .timeout(Duration.ofSeconds(20))
            .build();
  }

  @Test
  void aBatchEndsWithOneResultPerRequestAndUsage() {
    MessageBatch created =
        client
            .messages()
            .batches()
            .create(
                BatchCreateParams.builder()
                    .addRequest(request("r-1", "claude-sonnet-4-5", "What is a batch?"))
                    .addRequest(request("r-2", "claude-no-such-model", "Why batch?"))
                    .build());
    assertThat(created.processingStatus()).isEqualTo(MessageBatch.ProcessingStatus.IN_PROGRESS);
    assertThat(created.requestCounts().processing()).isEqualTo(2);
    assertThat(created.resultsUrl()).isEmpty();

    MessageBatch ended = awaitEnded(created.id());
    assertThat(ended.requestCounts().succeeded()).isEqualTo(1);
    assertThat(ended.requestCounts().errored()).isEqualTo(1);
    assertThat(ended.requestCounts().processing()).isZero();
    assertThat(ended.resultsUrl()).get().asString().endsWith("/results");

    Map<String, MessageBatchIndividualResponse> results = results(created.id());
    assertThat(results).containsOnlyKeys("r-1", "r-2");
    var message = results.get("r-1").result().asSucceeded().message();
    assertThat(message.model().asString()).isEqualTo("claude-sonnet-4-5-20250929");
    assertThat(message.content().get(0).asText().text()).contains("What is a batch?");
    assertThat(message.usage().inputTokens()).isPositive();
    assertThat(message.usage().outputTokens()).isPositive();
    assertThat(results.get("r-2").result().asErrored().error().error().isNotFoundError()).isTrue();

    assertThat(client.messages().batches().list().data())
        .extracting(MessageBatch::id)
        .contains(created.id());
  }

  @Test
  void injectedFailuresShowAsErroredAndExpiredResults() {
    MessageBatch errors =
        client
            .messages()
            .batches()
            .create(
                BatchCreateParams.builder()
                    .addRequest(request("a", "claude-sonnet-4-5", "one"))
                    .addRequest(request("b", "claude-sonnet-4-5", "two"))
                    .putAdditionalHeader(BatchFault.HEADER, "errors-every-2")
                    .build());
    MessageBatch expiring =
        client
            .messages()
            .batches()
            .create(
                BatchCreateParams.builder()
                    .addRequest(request("a", "claude-sonnet-4-5", "one"))
                    .putAdditionalHeader(BatchFault.HEADER, "expire")
                    .build());

    awaitEnded(errors.id());
    Map<String, MessageBatchIndividualResponse> results = results(errors.id());
    assertThat(results.get("a").result().isSucceeded()).isTrue();
    assertThat(results.get("b").result().isErrored()).isTrue();

    assertThat(awaitEnded(expiring.id()).requestCounts().expired()).isEqualTo(1);
    assertThat(results(expiring.id()).get("a").result().isExpired()).isTrue();
  }

  @Test
  void aCanceledBatchEndsWithCanceledResults() {
    MessageBatch created =
        client
            .messages()
            .batches()
            .create(
                BatchCreateParams.builder()
                    .addRequest(request("a", "claude-sonnet-4-5", "one"))
                    .putAdditionalHeader(BatchFault.HEADER, "expire")
                    .build());
    MessageBatch canceling = client.messages().batches().cancel(created.id());
    assertThat(canceling.processingStatus()).isEqualTo(MessageBatch.ProcessingStatus.CANCELING);
    assertThat(canceling.cancelInitiatedAt()).isPresent();

    assertThat(awaitEnded(created.id()).requestCounts().canceled()).isEqualTo(1);
    assertThat(results(created.id()).get("a").result().isCanceled()).isTrue();
  }

  private MessageBatch awaitEnded(String id) {
    return await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> client.messages().batches().retrieve(id),
            b -> b.processingStatus().equals(MessageBatch.ProcessingStatus.ENDED));
  }

  private Map<String, MessageBatchIndividualResponse> results(String id) {
    try (StreamResponse<MessageBatchIndividualResponse> stream =
        client.messages().batches().resultsStreaming(id)) {
      return stream.stream()
          .collect(Collectors.toMap(MessageBatchIndividualResponse::customId, Function.identity()));
    }
  }

  private static BatchCreateParams.Request request(String id, String model, String question) {
    return BatchCreateParams.Request.builder()
        .customId(id)
        .params(
            BatchCreateParams.Request.Params.builder()
                .model(model)
                .maxTokens(200)
                .addUserMessage(question)
                .build())
        .build();
  }
}
