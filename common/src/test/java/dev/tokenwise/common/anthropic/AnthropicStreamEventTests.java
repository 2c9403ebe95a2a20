package dev.tokenwise.common.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class AnthropicStreamEventTests {

  private final JsonMapper mapper = JsonMapper.builder().build();

  @Test
  void eventsAreReadByTypeAndWrittenBackUnchanged() {
    String[] events = {
      "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
          + "\"role\":\"assistant\",\"content\":[],\"model\":\"claude\","
          + "\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}",
      "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\","
          + "\"text\":\"\"}}",
      "{\"type\":\"ping\"}",
      "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
          + "\"text\":\"Hello\"}}",
      "{\"type\":\"content_block_stop\",\"index\":0}",
      "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
          + "\"usage\":{\"output_tokens\":15},\"context_management\":{\"applied_edits\":[]}}",
      "{\"type\":\"message_stop\"}",
      "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}",
      "{\"type\":\"brand_new_event\",\"payload\":{\"x\":1}}",
    };
    Class<?>[] expectedTypes = {
      AnthropicStreamEvent.MessageStart.class,
      AnthropicStreamEvent.ContentBlockStart.class,
      AnthropicStreamEvent.Ping.class,
      AnthropicStreamEvent.ContentBlockDelta.class,
      AnthropicStreamEvent.ContentBlockStop.class,
      AnthropicStreamEvent.MessageDelta.class,
      AnthropicStreamEvent.MessageStop.class,
      AnthropicStreamEvent.Error.class,
      AnthropicStreamEvent.Unknown.class,
    };
    for (int i = 0; i < events.length; i++) {
      AnthropicStreamEvent event = mapper.readValue(events[i], AnthropicStreamEvent.class);

      assertThat(event).isInstanceOf(expectedTypes[i]);
      assertThat(mapper.readTree(mapper.writeValueAsString(event)))
          .isEqualTo(mapper.readTree(events[i]));
    }
  }

  @Test
  void typeIsWrittenFirstSoTheSseEventNameCanBeRead() {
    String json =
        mapper.writeValueAsString(
            new AnthropicStreamEvent.ContentBlockDelta(
                2, AnthropicStreamEvent.Delta.inputJson("{\"a\":")));

    assertThat(json)
        .isEqualTo(
            "{\"type\":\"content_block_delta\",\"index\":2,"
                + "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"a\\\":\"}}");
  }
}
