package dev.tokenwise.cache.exact;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StorabilityTests {

  @Test
  void aCompleteCompletionIsStorable() {
    assertThat(refusal(completion("stop"))).isEmpty();
    assertThat(refusal(completion("tool_calls"))).isEmpty();
  }

  @Test
  void truncatedAnswersAreRefused() {
    assertThat(refusal(completion("length"))).contains("finish_reason=length");
  }

  @Test
  void filteredAnswersAreRefused() {
    assertThat(refusal(completion("content_filter"))).contains("content_filter");
  }

  @Test
  void errorBodiesAreRefused() {
    assertThat(refusal("{\"error\":{\"message\":\"Rate limit\",\"type\":\"rate_limit_error\"}}"))
        .contains("error body");
  }

  @Test
  void responsesWithoutChoicesAreRefused() {
    assertThat(refusal("{\"id\":\"x\",\"object\":\"chat.completion\"}")).contains("no choices");
    assertThat(refusal("{\"choices\":[]}")).contains("no choices");
    assertThat(refusal("{\"choices\":[{\"finish_reason\":\"stop\"}]}"))
        .contains("without a message");
  }

  @Test
  void nonObjectsAreRefused() {
    assertThat(refusal("\"not a completion\"")).contains("not a JSON object");
    assertThat(refusal("[1,2]")).contains("not a JSON object");
  }

  static String completion(String finishReason) {
    return """
        {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-5-mini",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Hello!"},
                     "finish_reason":"%s"}],
         "usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}
        """
        .formatted(finishReason);
  }

  private static String refusal(String json) {
    return Storability.refusal(ExactEntry.JSON.readTree(json)).orElse("");
  }
}
