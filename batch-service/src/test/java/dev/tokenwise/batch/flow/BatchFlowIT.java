package dev.tokenwise.batch.flow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.batch.delivery.WebhookSecret;
import dev.tokenwise.batch.delivery.WebhookSignature;
import dev.tokenwise.batch.flow.FakeProvider.LineOutcome;
import dev.tokenwise.common.testsupport.RealServers;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Deferred requests go through provider batches and come back as results, usage events and signed
 * webhooks (real PostgreSQL and Redis, a fake provider).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers
class BatchFlowIT extends BatchTestSupport {

  @Test
  void anOpenAiRequestComesBackWithItsResultUsageEventAndSignedWebhook() {
    ObjectNode submission = deferred("openai", "openai", "What is a batch?");
    submission.put("webhookUrl", provider.baseUrl() + "/hooks");
    submission.put("requestId", "req-1");
    // the router's experiment arm and routing model, carried into the usage event
    submission.put("experiment", "cheaper-model");
    submission.put("arm", "candidate");
    submission.put("routerVersion", "v3");
    String id = submit(submission);
    assertThat(job(id).path("status").asString()).isEqualTo("queued");

    runAll();

    JsonNode job = job(id);
    assertThat(job.path("status").asString()).isEqualTo("succeeded");
    assertThat(job.path("answeredBy").asString()).isEqualTo("batch");
    assertThat(job.at("/result/object").asString()).isEqualTo("chat.completion");
    assertThat(job.at("/result/choices/0/message/content").asString())
        .isEqualTo("Answer to: What is a batch?");
    assertThat(provider.uploads.get()).isEqualTo(1);
    assertThat(provider.openAiBatchLines).hasSize(1);

    List<JsonNode> events = usageEvents();
    assertThat(events).hasSize(1);
    JsonNode event = events.get(0);
    assertThat(event.path("mode").asString()).isEqualTo("batch");
    assertThat(event.path("provider").asString()).isEqualTo("openai");
    assertThat(event.path("tenant").asString()).isEqualTo("acme");
    assertThat(event.path("requestId").asString()).isEqualTo("req-1");
    assertThat(event.path("servedModel").asString()).isEqualTo("gpt-5-mini-2025-08-07");
    assertThat(event.path("inputTokens").asLong()).isEqualTo(20);
    assertThat(event.path("cachedInputTokens").asLong()).isEqualTo(4);
    assertThat(event.path("outputTokens").asLong()).isEqualTo(5);
    assertThat(event.path("status").asString()).isEqualTo("ok");
    assertThat(event.path("experiment").asString()).isEqualTo("cheaper-model");
    assertThat(event.path("arm").asString()).isEqualTo("candidate");
    assertThat(event.path("routerVersion").asString()).isEqualTo("v3");

    assertThat(provider.hooks).hasSize(1);
    FakeProvider.Hook hook = provider.hooks.get(0);
    assertThat(json.readTree(hook.body()).path("id").asString()).isEqualTo(id);
    assertThat(json.readTree(hook.body()).at("/result/choices/0/message/content").asString())
        .isEqualTo("Answer to: What is a batch?");
    assertThat(
            WebhookSignature.verify(
                new WebhookSecret(SECRET),
                hook.headers().get("tokenwise-webhook-id"),
                hook.headers().get("tokenwise-webhook-timestamp"),
                hook.headers().get("tokenwise-webhook-signature"),
                hook.body(),
                Instant.now(),
                Duration.ofMinutes(5)))
        .isTrue();
    assertThat(job(id).path("webhook").asString()).isEqualTo("delivered");
  }

  @Test
  void anAnthropicBatchAnswersAnOpenAiClientWithAnthropicUsageCarried() {
    String id = submit(deferred("anthropic", "openai", "Translate me"));

    runAll();

    JsonNode job = job(id);
    assertThat(job.path("status").asString()).isEqualTo("succeeded");
    assertThat(job.at("/result/object").asString()).isEqualTo("chat.completion");
    assertThat(job.at("/result/choices/0/message/content").asString())
        .isEqualTo("Answer to: Translate me");
    // 7 uncached + 3 cache reads + 2 cache writes: the provider's input_tokens alone would be 7.
    assertThat(job.at("/result/usage/prompt_tokens").asLong()).isEqualTo(12);
    assertThat(provider.anthropicBatchLines).hasSize(1);
    assertThat(provider.uploads.get()).isZero();

    JsonNode event = usageEvents().get(0);
    assertThat(event.path("mode").asString()).isEqualTo("batch");
    assertThat(event.path("provider").asString()).isEqualTo("anthropic");
    assertThat(event.path("inputTokens").asLong()).isEqualTo(12);
    assertThat(event.path("cachedInputTokens").asLong()).isEqualTo(3);
    assertThat(event.at("/cacheWriteTokens/ttl5m").asLong()).isEqualTo(2);
    assertThat(event.path("outputTokens").asLong()).isEqualTo(5);
  }

  @Test
  void anAnthropicClientGetsAnAnthropicMessage() {
    String id = submit(deferred("anthropic", "anthropic", "Native"));
    runAll();
    JsonNode job = job(id);
    assertThat(job.at("/result/type").asString()).isEqualTo("message");
    assertThat(job.at("/result/content/0/text").asString()).isEqualTo("Answer to: Native");
  }

  @Test
  void identicalRequestsOfATenantShareOneLineAndAreBilledOnce() {
    String first = submit(deferred("openai", "openai", "Same question"));
    String second = submit(deferred("openai", "openai", "Same question"));
    ObjectNode otherTenant = deferred("openai", "openai", "Same question");
    otherTenant.put("tenant", "globex");
    String third = submit(otherTenant);

    runAll();

    assertThat(provider.openAiBatchLines).hasSize(1);
    assertThat(provider.openAiBatchLines.get(0)).hasSize(2);
    for (String id : List.of(first, second)) {
      assertThat(job(id).path("status").asString()).isEqualTo("succeeded");
    }
    assertThat(job(third, "globex").path("status").asString()).isEqualTo("succeeded");
    assertThat(job(second).path("answeredBy").asString()).isEqualTo("batch-duplicate");
    List<JsonNode> events = usageEvents();
    assertThat(events).hasSize(3);
    assertThat(events)
        .extracting(e -> e.path("mode").asString())
        .containsExactlyInAnyOrder("batch", "batch", "cache-exact");
  }

  @Test
  void anExpiredLineIsResubmittedOnceThenAnswered() {
    int[] seen = {0};
    provider.lineOutcome = body -> seen[0]++ == 0 ? LineOutcome.EXPIRE : LineOutcome.ANSWER;
    String id = submit(deferred("openai", "openai", "Try twice"));

    runAll();

    JsonNode job = job(id);
    assertThat(job.path("status").asString()).isEqualTo("succeeded");
    assertThat(job.path("attempts").asInt()).isEqualTo(1);
    assertThat(provider.openAiBatchLines).hasSize(2);
    assertThat(usageEvents()).hasSize(1);
  }

  @Test
  void aLineThatFailsTwiceFailsWithTheReason() {
    provider.lineOutcome = body -> LineOutcome.SERVER_ERROR;
    String id = submit(deferred("anthropic", "anthropic", "Never"));

    runAll();

    JsonNode job = job(id);
    assertThat(job.path("status").asString()).isEqualTo("failed");
    assertThat(job.at("/error/message").asString())
        .contains("api_error")
        .contains("after 2 batches");
    assertThat(provider.anthropicBatchLines).hasSize(2);
    JsonNode event = usageEvents().get(0);
    assertThat(event.path("status").asString()).isEqualTo("error");
  }

  @Test
  void aRejectedLineFailsAtOnce() {
    provider.lineOutcome = body -> LineOutcome.BAD_REQUEST;
    String id = submit(deferred("openai", "openai", "Bad"));

    runAll();

    assertThat(job(id).path("status").asString()).isEqualTo("failed");
    assertThat(job(id).at("/error/message").asString()).contains("HTTP 400");
    assertThat(provider.openAiBatchLines).hasSize(1);
  }

  @Test
  void aFailedLineNearItsDeadlineIsAnsweredSynchronously() {
    provider.lineOutcome = body -> LineOutcome.EXPIRE;
    ObjectNode submission = deferred("openai", "openai", "Hurry");
    submission.put("deadline", Instant.now().plus(Duration.ofMinutes(30)).toString());
    String id = submit(submission);

    runAll();

    JsonNode job = job(id);
    assertThat(job.path("status").asString()).isEqualTo("succeeded");
    assertThat(job.path("answeredBy").asString()).isEqualTo("sync-fallback");
    assertThat(provider.syncCalls.get()).isEqualTo(1);
    assertThat(usageEvents().get(0).path("mode").asString()).isEqualTo("sync");
  }

  @Test
  void aWebhookThatFailsIsRetriedWithBackoff() {
    provider.hookStatus = 503;
    ObjectNode submission = deferred("openai", "openai", "Hook me");
    submission.put("webhookUrl", provider.baseUrl() + "/hooks");
    String id = submit(submission);

    runAll();

    assertThat(provider.hooks).hasSize(1);
    assertThat(job(id).path("webhook").asString()).isEqualTo("pending");
    // Not due again until the backoff passes.
    webhooks.deliverDue();
    assertThat(provider.hooks).hasSize(1);
    jdbc.update("update batch.deferred_request set webhook_next_at = now() - interval '1 second'");
    provider.hookStatus = 200;
    webhooks.deliverDue();
    assertThat(provider.hooks).hasSize(2);
    assertThat(job(id).path("webhook").asString()).isEqualTo("delivered");
    assertThat(provider.hooks.get(0).headers().get("tokenwise-webhook-id"))
        .isEqualTo(provider.hooks.get(1).headers().get("tokenwise-webhook-id"));
  }

  @Test
  void badInputIsAProblemNamingTheFieldAndStoresNothing() {
    ObjectNode noTenant = deferred("openai", "openai", "x");
    noTenant.remove("tenant");
    ObjectNode badProvider = deferred("openai", "openai", "x");
    badProvider.put("provider", "gemini");
    ObjectNode noMessages = deferred("openai", "openai", "x");
    ((ObjectNode) noMessages.get("body")).remove("messages");
    ObjectNode pastDeadline = deferred("openai", "openai", "x");
    pastDeadline.put("deadline", "2020-01-01T00:00:00Z");
    ObjectNode badHook = deferred("openai", "openai", "x");
    badHook.put("webhookUrl", "ftp://example.com/x");

    assertProblem(noTenant.toString(), "tenant");
    assertProblem(badProvider.toString(), "provider");
    assertProblem(noMessages.toString(), "body.messages");
    assertProblem(pastDeadline.toString(), "deadline");
    assertProblem(badHook.toString(), "webhookUrl");
    assertProblem("{not json", null);
    // over the tests' 256 KB limit (production: 8 MB)
    ObjectNode oversize = deferred("openai", "openai", "x".repeat(300 * 1024));
    ResponseEntity<String> tooLarge =
        http()
            .post()
            .uri("/internal/deferred")
            .contentType(MediaType.APPLICATION_JSON)
            .body(oversize.toString())
            .retrieve()
            .onStatus(status -> true, (request, response) -> {})
            .toEntity(String.class);
    assertThat(tooLarge.getStatusCode().value()).isEqualTo(413);
    assertThat(json.readTree(tooLarge.getBody()).path("type").asString())
        .isEqualTo("https://tokenwise.dev/problems/body-too-large");
    assertThat(json.readTree(tooLarge.getBody()).path("detail").asString())
        .contains("max-body-size");
    assertThat(count("select count(*) from batch.deferred_request")).isZero();
  }

  @Test
  void aBatchTheProviderRefusesHoldsUpNoOtherAndIsRetried() {
    provider.refuseOpenAiBatches = true;
    String openAi = submit(deferred("openai", "openai", "Refused at first"));
    String anthropic = submit(deferred("anthropic", "anthropic", "Not held up"));

    assembler.runOnce(true);
    collector.runOnce(true);

    assertThat(job(anthropic).path("status").asString()).isEqualTo("succeeded");
    assertThat(job(openAi).path("status").asString()).isEqualTo("in_progress");

    provider.refuseOpenAiBatches = false;
    runAll();

    assertThat(job(openAi).path("status").asString()).isEqualTo("succeeded");
    assertThat(provider.openAiBatchLines).hasSize(1);
    assertThat(provider.uploads.get()).isEqualTo(1);
  }

  @Test
  void theDashboardMetersAreExported() {
    submit(deferred("openai", "openai", "Counted"));
    String queued = http().get().uri("/actuator/prometheus").retrieve().body(String.class);
    assertThat(queued)
        .containsPattern("tokenwise_batch_requests_total\\{[^}]*outcome=\"accepted\"[^}]*} [1-9]")
        .containsPattern("tokenwise_batch_queue_depth\\{[^}]*provider=\"openai\"[^}]*} 1")
        .contains("tokenwise_batch_queue_oldest_age_seconds");

    runAll();

    String done = http().get().uri("/actuator/prometheus").retrieve().body(String.class);
    assertThat(done)
        .containsPattern("tokenwise_batch_requests_total\\{[^}]*outcome=\"succeeded\"[^}]*} [1-9]")
        .containsPattern("tokenwise_batch_batches\\{[^}]*state=\"collected\"[^}]*} 1");
  }

  @Test
  void anUnknownJobIsAnOpenAiShaped404() {
    ResponseEntity<String> answer =
        http()
            .get()
            .uri("/v1/jobs/{id}", "00000000-0000-0000-0000-000000000000")
            .retrieve()
            .toEntity(String.class);
    assertThat(answer.getStatusCode().value()).isEqualTo(404);
    assertThat(json.readTree(answer.getBody()).at("/error/code").asString())
        .isEqualTo("job_not_found");
  }

  private void assertProblem(String body, String field) {
    ResponseEntity<String> answer =
        http()
            .post()
            .uri("/internal/deferred")
            .contentType(MediaType.APPLICATION_JSON)
            .body(body)
            .retrieve()
            .toEntity(String.class);
    assertThat(answer.getStatusCode().value()).as(body).isEqualTo(400);
    assertThat(answer.getHeaders().getContentType().toString())
        .contains("application/problem+json");
    JsonNode problem = json.readTree(answer.getBody());
    assertThat(problem.path("type").asString())
        .isEqualTo("https://tokenwise.dev/problems/invalid-deferred-request");
    if (field != null) {
      assertThat(problem.path("field").asString()).as(body).isEqualTo(field);
    }
  }
}
