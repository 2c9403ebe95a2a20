package dev.tokenwise.simulator.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.RequestOptions;
import com.openai.core.http.HttpResponse;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The official OpenAI Java SDK uploads a batch file, creates a batch, polls it to its end and reads
 * the output and error files, with response validation on.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OpenAiBatchSdkTests {

  @LocalServerPort int port;

  @TempDir Path dir;

  OpenAIClient client;

  @BeforeEach
  void client() {
    client =
        OpenAIOkHttpClient.builder()
            .apiKey("sk-test")
            .baseUrl("http://localhost:" + port + "/v1")
            .maxRetries(0)
            .responseValidation(true)
            .timeout(Duration.ofSeconds(20))
            .build();
  }

  @Test
  void aBatchRunsToCompletionWithOneAnswerPerLine() throws IOException {
    FileObject file =
        upload(
            line("q-1", "gpt-5-mini", "What is a batch?"), line("q-2", "gpt-5-nano", "Why batch?"));
    assertThat(file.purpose()).isEqualTo(FileObject.Purpose.BATCH);
    assertThat(client.files().retrieve(file.id()).bytes()).isEqualTo(file.bytes());

    Batch created =
        client
            .batches()
            .create(
                BatchCreateParams.builder()
                    .inputFileId(file.id())
                    .endpoint(BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS)
                    .completionWindow(BatchCreateParams.CompletionWindow._24H)
                    .metadata(
                        BatchCreateParams.Metadata.builder().putProperty("owner", "t-1").build())
                    .build());
    assertThat(created.status()).isEqualTo(Batch.Status.VALIDATING);

    Batch done = awaitStatus(created.id(), Batch.Status.COMPLETED);
    assertThat(done.requestCounts())
        .get()
        .satisfies(
            c -> {
              assertThat(c.total()).isEqualTo(2);
              assertThat(c.completed()).isEqualTo(2);
              assertThat(c.failed()).isZero();
            });
    assertThat(done.metadata().get()._additionalProperties().get("owner").asString())
        .contains("t-1");
    assertThat(done.inProgressAt()).isPresent();
    assertThat(done.finalizingAt()).isPresent();
    assertThat(done.completedAt()).isPresent();
    assertThat(done.errorFileId()).isEmpty();

    Map<String, JsonNode> lines = content(done.outputFileId().get());
    assertThat(lines).containsOnlyKeys("q-1", "q-2");
    JsonNode first = lines.get("q-1");
    assertThat(first.at("/response/status_code").asInt()).isEqualTo(200);
    assertThat(first.path("error").isNull()).isTrue();
    assertThat(first.at("/response/body/object").asString()).isEqualTo("chat.completion");
    assertThat(first.at("/response/body/choices/0/message/content").asString())
        .contains("What is a batch?");
    assertThat(first.at("/response/body/usage/prompt_tokens").asLong()).isPositive();
    assertThat(lines.get("q-2").at("/response/body/model").asString())
        .isEqualTo("gpt-5-nano-2025-08-07");

    assertThat(client.batches().list().data()).extracting(Batch::id).contains(created.id());
  }

  @Test
  void failedLinesGoToTheErrorFile() throws IOException {
    FileObject file =
        upload(
            line("ok-1", "gpt-5-mini", "one"),
            line("bad-model", "no-such-model", "two"),
            line("ok-2", "gpt-5-mini", "three"));
    Batch done = awaitStatus(create(file, Map.of()).id(), Batch.Status.COMPLETED);

    assertThat(done.requestCounts().get().completed()).isEqualTo(2);
    assertThat(done.requestCounts().get().failed()).isEqualTo(1);
    assertThat(content(done.outputFileId().get())).containsOnlyKeys("ok-1", "ok-2");
    JsonNode error = content(done.errorFileId().get()).get("bad-model");
    assertThat(error.at("/response/status_code").asInt()).isEqualTo(404);
    assertThat(error.at("/response/body/error/code").asString()).isEqualTo("model_not_found");
  }

  @Test
  void injectedLineErrorsAreServerErrorsInTheErrorFile() throws IOException {
    FileObject file =
        upload(
            line("a", "gpt-5-mini", "one"),
            line("b", "gpt-5-mini", "two"),
            line("c", "gpt-5-mini", "three"),
            line("d", "gpt-5-mini", "four"));
    Batch done =
        awaitStatus(
            create(file, Map.of(BatchFault.HEADER, "errors-every-2")).id(), Batch.Status.COMPLETED);

    assertThat(content(done.outputFileId().get())).containsOnlyKeys("a", "c");
    Map<String, JsonNode> errors = content(done.errorFileId().get());
    assertThat(errors).containsOnlyKeys("b", "d");
    assertThat(errors.get("b").at("/response/status_code").asInt()).isEqualTo(500);
  }

  @Test
  void anInjectedExpiryPutsEveryLineInTheErrorFile() throws IOException {
    FileObject file = upload(line("a", "gpt-5-mini", "one"), line("b", "gpt-5-mini", "two"));
    Batch done =
        awaitStatus(create(file, Map.of(BatchFault.HEADER, "expire")).id(), Batch.Status.EXPIRED);

    assertThat(done.expiredAt()).isPresent();
    assertThat(done.outputFileId()).isEmpty();
    Map<String, JsonNode> errors = content(done.errorFileId().get());
    assertThat(errors).containsOnlyKeys("a", "b");
    assertThat(errors.get("a").at("/error/code").asString()).isEqualTo("batch_expired");
    assertThat(errors.get("a").path("response").isNull()).isTrue();
  }

  @Test
  void aBatchWithBadLinesOrAnInjectedFailureFails() throws IOException {
    FileObject file = upload(line("same", "gpt-5-mini", "one"), line("same", "gpt-5-mini", "two"));
    Batch failed = awaitStatus(create(file, Map.of()).id(), Batch.Status.FAILED);
    assertThat(failed.errors().get().data().get())
        .anySatisfy(
            e -> {
              assertThat(e.code()).contains("duplicate_custom_id");
              assertThat(e.line()).contains(2L);
            });

    FileObject good = upload(line("x", "gpt-5-mini", "one"));
    Batch injected =
        awaitStatus(create(good, Map.of(BatchFault.HEADER, "fail")).id(), Batch.Status.FAILED);
    assertThat(injected.failedAt()).isPresent();
  }

  @Test
  void aCancelledBatchEndsCancelled() throws IOException {
    FileObject file = upload(line("a", "gpt-5-mini", "one"));
    Batch created = create(file, Map.of());
    Batch cancelling = client.batches().cancel(created.id());
    assertThat(cancelling.status()).isEqualTo(Batch.Status.CANCELLING);
    Batch cancelled = awaitStatus(created.id(), Batch.Status.CANCELLED);
    assertThat(cancelled.cancelledAt()).isPresent();
  }

  private Batch create(FileObject file, Map<String, String> headers) {
    RequestOptions.Builder options = RequestOptions.builder();
    BatchCreateParams.Builder params =
        BatchCreateParams.builder()
            .inputFileId(file.id())
            .endpoint(BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS)
            .completionWindow(BatchCreateParams.CompletionWindow._24H);
    headers.forEach(params::putAdditionalHeader);
    return client.batches().create(params.build(), options.build());
  }

  private Batch awaitStatus(String id, Batch.Status status) {
    return await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> client.batches().retrieve(id), b -> b.status().equals(status));
  }

  private FileObject upload(String... lines) throws IOException {
    Path jsonl = dir.resolve("input-" + System.nanoTime() + ".jsonl");
    Files.writeString(jsonl, String.join("\n", lines) + "\n");
    return client
        .files()
        .create(FileCreateParams.builder().file(jsonl).purpose(FilePurpose.BATCH).build());
  }

  private Map<String, JsonNode> content(String fileId) {
    try (HttpResponse response = client.files().content(fileId)) {
      String text = new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
      Map<String, JsonNode> byCustomId = new HashMap<>();
      for (String line : List.of(text.split("\n"))) {
        if (!line.isBlank()) {
          JsonNode node = JsonMapper.shared().readTree(line);
          byCustomId.put(node.path("custom_id").asString(), node);
        }
      }
      return byCustomId;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String line(String customId, String model, String question) {
    return JsonMapper.shared()
        .createObjectNode()
        .put("custom_id", customId)
        .put("method", "POST")
        .put("url", "/v1/chat/completions")
        .set(
            "body",
            JsonMapper.shared()
                .createObjectNode()
                .put("model", model)
                .set(
                    "messages",
                    JsonMapper.shared()
                        .createArrayNode()
                        .add(
                            JsonMapper.shared()
                                .createObjectNode()
                                .put("role", "user")
                                .put("content", question))))
        .toString();
  }
}
