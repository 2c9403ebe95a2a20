package dev.tokenwise.batch.flow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.testsupport.RealServers;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import tools.jackson.databind.JsonNode;

/** A team's JSONL goes in through the OpenAI-compatible Files and Batches path and comes back. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers
class TeamBatchIT extends BatchTestSupport {

  @Test
  void aTeamBatchFileComesBackAsAnOutputFile() {
    String jsonl = line("a", "gpt-5-mini", "First?") + line("b", "claude-sonnet-4-5", "Second?");
    JsonNode file = upload(jsonl, "acme");
    assertThat(file.path("purpose").asString()).isEqualTo("batch");

    JsonNode batch =
        json.readTree(
            http()
                .post()
                .uri("/v1/batches")
                .header("Tokenwise-Tenant", "acme")
                .contentType(MediaType.APPLICATION_JSON)
                .body(
                    "{\"input_file_id\":\""
                        + file.path("id").asString()
                        + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\","
                        + "\"metadata\":{\"team\":\"search\"}}")
                .retrieve()
                .body(String.class));
    assertThat(batch.path("status").asString()).isEqualTo("validating");
    assertThat(batch.at("/request_counts/total").asInt()).isEqualTo(2);

    runAll();

    JsonNode done = get("/v1/batches/" + batch.path("id").asString(), "acme");
    assertThat(done.path("status").asString()).isEqualTo("completed");
    assertThat(done.at("/request_counts/completed").asInt()).isEqualTo(2);
    assertThat(done.at("/metadata/team").asString()).isEqualTo("search");
    String output =
        http()
            .get()
            .uri("/v1/files/{id}/content", done.path("output_file_id").asString())
            .header("Tokenwise-Tenant", "acme")
            .retrieve()
            .body(String.class);
    Map<String, JsonNode> lines = new HashMap<>();
    for (String text : output.split("\n")) {
      JsonNode node = json.readTree(text);
      lines.put(node.path("custom_id").asString(), node);
    }
    assertThat(lines).containsOnlyKeys("a", "b");
    assertThat(lines.get("a").at("/response/body/choices/0/message/content").asString())
        .isEqualTo("Answer to: First?");
    assertThat(lines.get("b").at("/response/body/object").asString()).isEqualTo("chat.completion");
    assertThat(provider.openAiBatchLines).hasSize(1);
    assertThat(provider.anthropicBatchLines).hasSize(1);

    // Another tenant sees none of it.
    ResponseEntity<String> other =
        http()
            .get()
            .uri("/v1/batches/{id}", batch.path("id").asString())
            .header("Tokenwise-Tenant", "globex")
            .retrieve()
            .toEntity(String.class);
    assertThat(other.getStatusCode().value()).isEqualTo(404);
  }

  @Test
  void aBadLineRefusesTheBatchNamingItAndStoresNothing() {
    JsonNode file =
        upload(
            line("a", "gpt-5-mini", "ok")
                + "{\"custom_id\":\"b\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"gpt-5-mini\"}}\n",
            "acme");
    ResponseEntity<String> answer =
        http()
            .post()
            .uri("/v1/batches")
            .header("Tokenwise-Tenant", "acme")
            .contentType(MediaType.APPLICATION_JSON)
            .body(
                "{\"input_file_id\":\""
                    + file.path("id").asString()
                    + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}")
            .retrieve()
            .toEntity(String.class);
    assertThat(answer.getStatusCode().value()).isEqualTo(400);
    JsonNode error = json.readTree(answer.getBody()).path("error");
    assertThat(error.path("message").asString()).startsWith("line 2:");
    assertThat(error.path("param").asString()).isEqualTo("body.messages");
    assertThat(count("select count(*) from batch.deferred_request")).isZero();
  }

  @Test
  void withoutATenantTheCallIsRefused() {
    ResponseEntity<String> answer =
        http().get().uri("/v1/batches/batch_x").retrieve().toEntity(String.class);
    assertThat(answer.getStatusCode().value()).isEqualTo(401);
    assertThat(json.readTree(answer.getBody()).at("/error/code").asString())
        .isEqualTo("missing_tenant");
  }

  private JsonNode upload(String jsonl, String tenant) {
    MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
    parts.add("purpose", "batch");
    parts.add(
        "file",
        new ByteArrayResource(jsonl.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
          @Override
          public String getFilename() {
            return "input.jsonl";
          }
        });
    return json.readTree(
        http()
            .post()
            .uri("/v1/files")
            .header("Tokenwise-Tenant", tenant)
            .contentType(MediaType.MULTIPART_FORM_DATA)
            .body(parts)
            .retrieve()
            .body(String.class));
  }

  private JsonNode get(String path, String tenant) {
    return json.readTree(
        http().get().uri(path).header("Tokenwise-Tenant", tenant).retrieve().body(String.class));
  }

  private String line(String customId, String model, String question) {
    return "{\"custom_id\":\""
        + customId
        + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\""
        + model
        + "\",\"messages\":[{\"role\":\"user\",\"content\":\""
        + question
        + "\"}]}}\n";
  }
}
