package dev.tokenwise.router.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class CachedCompletionStreamTests {

  private final JsonMapper json = JsonMapper.builder().build();

  private static final String STORED =
      """
      {"id":"chatcmpl-9","object":"chat.completion","created":1764100000,
       "model":"gpt-5-mini-2025-08-07","system_fingerprint":"fp_1",
       "choices":[{"index":0,"message":{"role":"assistant","content":"Paris is the capital."},
                   "finish_reason":"stop","logprobs":null}],
       "usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}}""";

  @Test
  void aStoredAnswerBecomesAWellFormedStreamThatAddsUpToIt() {
    String sse = stream(STORED, true);

    assertThat(sse).startsWith("data: {").endsWith("\n\ndata: [DONE]\n\n");
    List<JsonNode> chunks = chunks(sse);
    assertThat(chunks)
        .allSatisfy(
            chunk -> {
              assertThat(chunk.path("object").asString()).isEqualTo("chat.completion.chunk");
              assertThat(chunk.path("id").asString()).isEqualTo("chatcmpl-9");
              assertThat(chunk.path("model").asString()).isEqualTo("gpt-5-mini-2025-08-07");
              assertThat(chunk.path("created").asLong()).isEqualTo(1764100000L);
            });
    assertThat(chunks.get(0).at("/choices/0/delta/role").asString()).isEqualTo("assistant");
    StringBuilder text = new StringBuilder();
    String finish = null;
    for (JsonNode chunk : chunks) {
      for (JsonNode choice : chunk.path("choices")) {
        text.append(choice.path("delta").path("content").asString(""));
        if (choice.path("finish_reason").isString()) {
          finish = choice.path("finish_reason").asString();
        }
      }
    }
    assertThat(text).hasToString("Paris is the capital.");
    assertThat(finish).isEqualTo("stop");
    JsonNode last = chunks.get(chunks.size() - 1);
    assertThat(last.path("choices").isEmpty()).isTrue();
    assertThat(last.at("/usage/prompt_tokens").asLong()).isEqualTo(12);
    assertThat(last.at("/usage/completion_tokens").asLong()).isEqualTo(5);
  }

  @Test
  void theUsageChunkIsSentOnlyWhenTheClientAskedForIt() {
    String sse = stream(STORED, false);

    assertThat(sse).doesNotContain("\"usage\"").endsWith("data: [DONE]\n\n");
    List<JsonNode> chunks = chunks(sse);
    assertThat(chunks.get(chunks.size() - 1).at("/choices/0/finish_reason").asString())
        .isEqualTo("stop");
  }

  @Test
  void theRoutersOwnStreamReaderReadsTheReplayedUsage() {
    SseUsageTap tap = new SseUsageTap(json, true);
    tap.accept(stream(STORED, true).getBytes(StandardCharsets.UTF_8));
    tap.finish();

    assertThat(tap.usage()).isNotNull();
    assertThat(tap.usage().inputTokens()).isEqualTo(12);
    assertThat(tap.usage().outputTokens()).isEqualTo(5);
    assertThat(tap.output()).isEqualTo("Paris is the capital.");
    assertThat(tap.finishReason()).isEqualTo("stop");
  }

  @Test
  void toolCallsAndSeveralChoicesKeepTheirIndexes() {
    String stored =
        """
        {"id":"c","object":"chat.completion","created":1,"model":"m",
         "choices":[
          {"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
             {"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\\"city\\":\\"Oslo\\"}"}}]},
           "finish_reason":"tool_calls"},
          {"index":1,"message":{"role":"assistant","content":"Second."},"finish_reason":"stop"}]}""";

    List<JsonNode> chunks = chunks(stream(stored, true));

    JsonNode call =
        chunks.stream()
            .map(c -> c.at("/choices/0/delta/tool_calls/0"))
            .filter(JsonNode::isObject)
            .findFirst()
            .orElseThrow();
    assertThat(call.path("index").asInt()).isZero();
    assertThat(call.path("id").asString()).isEqualTo("call_1");
    assertThat(call.at("/function/name").asString()).isEqualTo("weather");
    assertThat(call.at("/function/arguments").asString()).isEqualTo("{\"city\":\"Oslo\"}");
    assertThat(chunks)
        .anySatisfy(
            c -> {
              assertThat(c.at("/choices/0/index").asInt()).isEqualTo(1);
              assertThat(c.at("/choices/0/delta/content").asString()).isEqualTo("Second.");
            });
    assertThat(chunks)
        .anySatisfy(
            c -> assertThat(c.at("/choices/0/finish_reason").asString("")).isEqualTo("tool_calls"));
    assertThat(chunks.get(chunks.size() - 1).at("/usage/total_tokens").asLong())
        .as("a stored answer without usage still ends with a usage chunk")
        .isZero();
  }

  private String stream(String stored, boolean includeUsage) {
    return new String(
        CachedCompletionStream.events(json.readTree(stored), includeUsage, json),
        StandardCharsets.UTF_8);
  }

  /** Every event is one {@code data:} line and a blank line; all but the last are JSON. */
  private List<JsonNode> chunks(String sse) {
    String[] events = sse.split("\n\n", -1);
    assertThat(events[events.length - 1]).isEmpty();
    List<JsonNode> chunks = new ArrayList<>();
    for (int i = 0; i < events.length - 1; i++) {
      assertThat(events[i]).startsWith("data: ").doesNotContain("\n");
      String data = events[i].substring("data: ".length());
      if (i == events.length - 2) {
        assertThat(data).isEqualTo("[DONE]");
      } else {
        chunks.add(json.readTree(data));
      }
    }
    return chunks;
  }
}
