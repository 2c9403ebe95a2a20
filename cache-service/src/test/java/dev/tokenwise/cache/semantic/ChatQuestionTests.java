package dev.tokenwise.cache.semantic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ChatQuestionTests {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void theLastUserMessageIsTheQuestion() throws Exception {
    ChatQuestion question =
        of(
            """
            {"model":"m","messages":[{"role":"system","content":"Be brief."},
             {"role":"user","content":[{"type":"text","text":"  What is Redis?  "}]}]}
            """);
    assertThat(question.text()).isEqualTo("What is Redis?");
    assertThat(question.context()).matches("[0-9a-f]{32}");
  }

  @Test
  void everythingBeforeTheQuestionIsContext() throws Exception {
    String base =
        """
        {"model":"m","temperature":0.2,"messages":[{"role":"system","content":"%s"},
         {"role":"user","content":"What is Redis?"}]%s}
        """;
    String context = of(base.formatted("Be brief.", "")).context();
    assertThat(of(base.formatted("Be verbose.", "")).context()).isNotEqualTo(context);
    assertThat(of(base.formatted("Be brief.", ",\"tools\":[{\"type\":\"function\"}]")).context())
        .isNotEqualTo(context);
    assertThat(
            of(base.formatted("Be brief.", ",\"response_format\":{\"type\":\"json_object\"}"))
                .context())
        .isNotEqualTo(context);
    // Sampling and transport fields do not change the question.
    assertThat(of(base.formatted("Be brief.", ",\"stream\":true,\"top_p\":0.5")).context())
        .isEqualTo(context);
    assertThat(of(base.replace("0.2", "0.3").formatted("Be brief.", "")).context())
        .isEqualTo(context);
    assertThat(
            ChatQuestion.of(
                    JSON.readTree(base.formatted("Be brief.", "")), "template-v2", "", "minilm")
                .context())
        .isNotEqualTo(context);
    assertThat(
            ChatQuestion.of(
                    JSON.readTree(base.formatted("Be brief.", "")), "", "2025-08-07", "minilm")
                .context())
        .isNotEqualTo(context);
  }

  @Test
  void earlierTurnsAreContext() throws Exception {
    String conversation =
        """
        {"model":"m","messages":[{"role":"user","content":"%s"},
         {"role":"assistant","content":"OK."},{"role":"user","content":"And in winter?"}]}
        """;
    assertThat(of(conversation.formatted("Tell me about Oslo")).context())
        .isNotEqualTo(of(conversation.formatted("Tell me about Rome")).context());
  }

  @Test
  void requestsNotEndingInAUserTextTurnAreNotComparable() {
    assertThatThrownBy(
            () ->
                of(
                    """
                    {"model":"m","messages":[{"role":"user","content":"hi"},
                     {"role":"assistant","content":"hello"}]}
                    """))
        .isInstanceOf(ChatQuestion.NotComparable.class);
    assertThatThrownBy(
            () ->
                of(
                    """
                    {"model":"m","messages":[{"role":"user","content":[
                     {"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}
                    """))
        .isInstanceOf(ChatQuestion.NotComparable.class);
  }

  @Test
  void aQuestionTranslatedFromAnotherProtocolIsTheSameQuestion() throws Exception {
    // As an OpenAI Chat client sends it, and as the router translates an Anthropic Messages
    // request (system prompt as text blocks with a prompt-caching breakpoint, content as blocks).
    ChatQuestion chat =
        of(
            """
            {"model":"m","messages":[{"role":"system","content":"You are a geography tutor."},
             {"role":"user","content":"What is the capital of France?"}]}
            """);
    ChatQuestion fromMessages =
        of(
            """
            {"model":"m","messages":[{"role":"system","content":[{"type":"text",
              "text":"You are a geography tutor.","cache_control":{"type":"ephemeral"}}]},
             {"role":"user","content":[{"type":"text","text":"What is the capital of France?"}]}]}
            """);
    ChatQuestion fromResponses =
        of(
            """
            {"model":"m","messages":[{"role":"developer","content":"You are a geography tutor."},
             {"role":"user","content":[{"type":"text","text":"What is the capital of France?"}]}]}
            """);
    assertThat(fromMessages).isEqualTo(chat);
    assertThat(fromResponses).isEqualTo(chat);
  }

  private static ChatQuestion of(String request) throws ChatQuestion.NotComparable {
    JsonNode node = JSON.readTree(request);
    return ChatQuestion.of(node, "", "", "minilm");
  }
}
