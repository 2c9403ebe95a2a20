package dev.tokenwise.router.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenwise.router.error.OpenAiApiException;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ConversationsTests {

  private final JsonMapper json = JsonMapper.builder().build();
  private final HttpHeaders none = new HttpHeaders();

  @Test
  void everyTurnOfAChatConversationGetsTheSameDerivedId() {
    String first =
        Conversations.forChat(
            "acme",
            none,
            chat(
                """
                [{"role":"system","content":"You are terse."},
                 {"role":"user","content":"Plan a trip to Lyon."}]"""));
    String third =
        Conversations.forChat(
            "acme",
            none,
            chat(
                """
                [{"role":"system","content":"You are terse."},
                 {"role":"user","content":[{"type":"text","text":"Plan a trip to Lyon."}]},
                 {"role":"assistant","content":"Day 1: ..."},
                 {"role":"user","content":"Make it two days."},
                 {"role":"assistant","content":"Day 1 and 2: ..."},
                 {"role":"user","content":"Cheaper, please."}]"""));
    assertThat(first).hasSize(64).isEqualTo(third);
  }

  @Test
  void anotherOpeningAnotherSystemPromptOrAnotherTenantIsAnotherConversation() {
    String base = "[{\"role\":\"system\",\"content\":\"S\"},{\"role\":\"user\",\"content\":\"Q\"}]";
    String id = Conversations.forChat("acme", none, chat(base));
    assertThat(Conversations.forChat("other", none, chat(base))).isNotEqualTo(id);
    assertThat(Conversations.forChat("acme", none, chat(base.replace("\"Q\"", "\"Q2\""))))
        .isNotEqualTo(id);
    assertThat(Conversations.forChat("acme", none, chat(base.replace("\"S\"", "\"S2\""))))
        .isNotEqualTo(id);
    assertThat(
            Conversations.forChat("acme", none, chat("[{\"role\":\"system\",\"content\":\"S\"}]")))
        .isNull();
  }

  @Test
  void theHeaderWinsOverMetadataWhichWinsOverTheDerivedId() {
    JsonNode body =
        json.readTree(
            """
            {"model":"gpt-5-mini","metadata":{"conversation_id":"conv-9"},
             "messages":[{"role":"user","content":"Q"}]}""");
    HttpHeaders header = new HttpHeaders();
    header.set(Conversations.CONVERSATION_HEADER, "thread-42");
    String fromHeader = Conversations.forChat("acme", header, body);
    String fromMetadata = Conversations.forChat("acme", none, body);
    String derived =
        Conversations.forChat("acme", none, chat("[{\"role\":\"user\",\"content\":\"Q\"}]"));
    assertThat(fromHeader).hasSize(64).doesNotContain("thread-42");
    assertThat(fromHeader).isNotEqualTo(fromMetadata).isNotEqualTo(derived);
    assertThat(fromMetadata).isNotEqualTo(derived);
    assertThat(Conversations.forChat("other", header, body)).isNotEqualTo(fromHeader);
  }

  @Test
  void anthropicTurnsShareAnIdWhateverCacheControlTheSdkMoves() {
    String first =
        Conversations.forMessages(
            "acme",
            none,
            json.readTree(
                """
                {"system":[{"type":"text","text":"You are terse."}],
                 "messages":[{"role":"user","content":"Plan a trip."}]}"""));
    String second =
        Conversations.forMessages(
            "acme",
            none,
            json.readTree(
                """
                {"system":[{"type":"text","text":"You are terse.",
                            "cache_control":{"type":"ephemeral"}}],
                 "messages":[{"role":"user","content":[{"type":"text","text":"Plan a trip."}]},
                             {"role":"assistant","content":"Day 1"},
                             {"role":"user","content":"More"}]}"""));
    assertThat(first).hasSize(64).isEqualTo(second);
  }

  @Test
  void aHeaderThatIsBlankTooLongOrNotVisibleAsciiIsA400NamingIt() {
    for (String bad : new String[] {" ", "a b", "x".repeat(129), "caf\u00e9"}) {
      HttpHeaders headers = new HttpHeaders();
      headers.set(Conversations.CONVERSATION_HEADER, bad);
      assertThatThrownBy(() -> Conversations.forChat("acme", headers, chat("[]")))
          .isInstanceOfSatisfying(
              OpenAiApiException.class,
              e -> assertThat(e.getMessage()).contains(Conversations.CONVERSATION_HEADER));
    }
  }

  @Test
  void theBodysEndUserWinsAndTheHeaderFillsIn() {
    HttpHeaders headers = new HttpHeaders();
    headers.set(Conversations.USER_HEADER, "user-from-header");
    assertThat(Conversations.endUser("body-user", headers)).isEqualTo("body-user");
    assertThat(Conversations.endUser(null, headers)).isEqualTo("user-from-header");
    assertThat(Conversations.endUser(null, none)).isNull();
  }

  private JsonNode chat(String messages) {
    return json.readTree("{\"model\":\"gpt-5-mini\",\"messages\":" + messages + "}");
  }
}
