package dev.tokenwise.router.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class SseUsageTapTests {

  private static final String CONTENT =
      "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
          + "\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n";
  private static final String STOP =
      "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
          + "\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";
  private static final String USAGE =
      "data: {\"object\":\"chat.completion.chunk\",\"choices\":[],"
          + "\"usage\":{\"prompt_tokens\":30,\"completion_tokens\":2,"
          + "\"prompt_tokens_details\":{\"cached_tokens\":10}}}\n\n";
  private static final String DONE = "data: [DONE]\n\n";

  private final JsonMapper json = JsonMapper.builder().build();

  @Test
  void eventsSplitAcrossReadsArriveWholeAndUnchanged() {
    SseUsageTap tap = new SseUsageTap(json, true);
    String stream = CONTENT + STOP + USAGE + DONE;
    List<String> out = new ArrayList<>();
    for (int i = 0; i < stream.length(); i += 7) {
      for (byte[] event :
          tap.accept(
              stream
                  .substring(i, Math.min(stream.length(), i + 7))
                  .getBytes(StandardCharsets.UTF_8))) {
        out.add(new String(event, StandardCharsets.UTF_8));
      }
    }
    assertThat(tap.finish()).isEmpty();
    assertThat(out).containsExactly(CONTENT, STOP, USAGE, DONE);
    assertThat(tap.usage().inputTokens()).isEqualTo(30);
    assertThat(tap.usage().cachedInputTokens()).isEqualTo(10);
    assertThat(tap.usage().outputTokens()).isEqualTo(2);
    assertThat(tap.finishReason()).isEqualTo("stop");
  }

  @Test
  void usageChunkTheClientDidNotAskForIsDroppedButCounted() {
    SseUsageTap tap = new SseUsageTap(json, false);
    List<byte[]> out = tap.accept((CONTENT + STOP + USAGE + DONE).getBytes(StandardCharsets.UTF_8));
    assertThat(out)
        .extracting(b -> new String(b, StandardCharsets.UTF_8))
        .containsExactly(CONTENT, STOP, DONE);
    assertThat(tap.usage().inputTokens()).isEqualTo(30);
  }

  /**
   * Chunks the router translated itself reach the tap as trees: written to bytes once, the same
   * events as the bytes path, the usage chunk dropped when the client did not ask, and the answer
   * assembled for the cache.
   */
  @Test
  void translatedChunksGoOutWrittenOnceAndAreReadAsTheBytesWouldBe() {
    SseUsageTap tap = new SseUsageTap(json, false);
    tools.jackson.databind.JsonNode done = json.getNodeFactory().stringNode("[DONE]");
    List<ChatEvent> out = new ArrayList<>();
    for (String event : List.of(CONTENT, STOP, USAGE)) {
      out.addAll(tap.acceptChunk(json.readTree(event.substring(6).strip()), done));
    }
    out.addAll(tap.acceptChunk(done, done));
    assertThat(out)
        .extracting(e -> new String(e.raw(), StandardCharsets.UTF_8))
        .containsExactly(CONTENT, STOP, DONE);
    assertThat(out.get(0).data().at("/choices/0/delta/content").asString()).isEqualTo("Hi");
    assertThat(out.get(2).done()).isTrue();
    assertThat(tap.usage().inputTokens()).isEqualTo(30);
    assertThat(tap.completion().at("/choices/0/message/content").asString()).isEqualTo("Hi");
  }

  @Test
  void crlfDelimitedEventsAndAnUnterminatedTailAreHandled() {
    SseUsageTap tap = new SseUsageTap(json, true);
    String first = CONTENT.replace("\n", "\r\n");
    List<byte[]> out = tap.accept((first + "data: [DONE]").getBytes(StandardCharsets.UTF_8));
    assertThat(out).hasSize(1);
    assertThat(new String(out.get(0), StandardCharsets.UTF_8)).isEqualTo(first);
    assertThat(new String(tap.finish(), StandardCharsets.UTF_8)).isEqualTo("data: [DONE]");
  }

  @Test
  void streamCutBeforeItsUsageReportsNone() {
    SseUsageTap tap = new SseUsageTap(json, false);
    tap.accept(CONTENT.getBytes(StandardCharsets.UTF_8));
    assertThat(tap.usage()).isNull();
  }

  @Test
  void aPlainTextStreamThatEndedNormallyIsTheWholeAnswerForTheCache() {
    String head =
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":7,"
            + "\"model\":\"gpt-5-mini-2025-08-07\",";
    SseUsageTap tap = new SseUsageTap(json, false);
    tap.accept(
        (head
                + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n"
                + CONTENT
                + CONTENT
                + STOP
                + USAGE
                + DONE)
            .getBytes(StandardCharsets.UTF_8));

    var completion = tap.completion();

    assertThat(completion).isNotNull();
    assertThat(completion.path("id").asString()).isEqualTo("chatcmpl-1");
    assertThat(completion.path("model").asString()).isEqualTo("gpt-5-mini-2025-08-07");
    assertThat(completion.path("object").asString()).isEqualTo("chat.completion");
    assertThat(completion.at("/choices/0/message/content").asString()).isEqualTo("HiHi");
    assertThat(completion.at("/choices/0/finish_reason").asString()).isEqualTo("stop");
    assertThat(completion.at("/usage/prompt_tokens").asLong()).isEqualTo(30);
    assertThat(completion.at("/usage/prompt_tokens_details/cached_tokens").asLong()).isEqualTo(10);
    assertThat(completion.at("/usage/completion_tokens").asLong()).isEqualTo(2);
  }

  @Test
  void toolCallsACutStreamOrAMissingUsageAreNotAnAnswerForTheCache() {
    String toolCall =
        "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
            + "\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c\",\"type\":\"function\","
            + "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},\"finish_reason\":null}]}\n\n";
    SseUsageTap tools = new SseUsageTap(json, false);
    tools.accept((CONTENT + toolCall + STOP + USAGE + DONE).getBytes(StandardCharsets.UTF_8));
    SseUsageTap cut = new SseUsageTap(json, false);
    cut.accept(CONTENT.getBytes(StandardCharsets.UTF_8));
    SseUsageTap noUsage = new SseUsageTap(json, false);
    noUsage.accept((CONTENT + STOP + DONE).getBytes(StandardCharsets.UTF_8));
    SseUsageTap secondChoice = new SseUsageTap(json, false);
    secondChoice.accept(
        (CONTENT + CONTENT.replace("\"index\":0", "\"index\":1") + STOP + USAGE + DONE)
            .getBytes(StandardCharsets.UTF_8));

    assertThat(tools.completion()).isNull();
    assertThat(cut.completion()).isNull();
    assertThat(noUsage.completion()).isNull();
    assertThat(secondChoice.completion()).isNull();
  }
}
