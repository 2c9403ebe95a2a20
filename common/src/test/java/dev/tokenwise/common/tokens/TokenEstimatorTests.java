package dev.tokenwise.common.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.tokens.TokenEstimator.Message;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TokenEstimatorTests {

  private final TokenEstimator estimator = TokenEstimator.shared();

  /** The example conversation from OpenAI's cookbook "How to count tokens with tiktoken". */
  private static final List<Message> COOKBOOK =
      List.of(
          new Message(
              "system",
              "You are a helpful, pattern-following assistant that translates corporate jargon"
                  + " into plain English."),
          new Message("system", "New synergies will help drive top-line growth.", "example_user"),
          new Message(
              "system", "Things working well together will increase revenue.", "example_assistant"),
          new Message(
              "system",
              "Let's circle back when we have more bandwidth to touch base on opportunities for"
                  + " increased leverage.",
              "example_user"),
          new Message(
              "system",
              "Let's talk later when we're less busy about how to do better.",
              "example_assistant"),
          new Message(
              "user",
              "This late pivot means we don't have time to boil the ocean for the client"
                  + " deliverable."));

  @Test
  void picksTheEncodingOfEachModelFamily() {
    assertThat(estimator.tokenizerFor("gpt-5-mini-2025-08-07")).isEqualTo(Tokenizer.O200K_BASE);
    assertThat(estimator.tokenizerFor("gpt-4o-mini")).isEqualTo(Tokenizer.O200K_BASE);
    assertThat(estimator.tokenizerFor("gpt-4.1-nano")).isEqualTo(Tokenizer.O200K_BASE);
    assertThat(estimator.tokenizerFor("o3-mini")).isEqualTo(Tokenizer.O200K_BASE);
    assertThat(estimator.tokenizerFor("openai/gpt-5")).isEqualTo(Tokenizer.O200K_BASE);
    assertThat(estimator.tokenizerFor("gpt-4-0613")).isEqualTo(Tokenizer.CL100K_BASE);
    assertThat(estimator.tokenizerFor("gpt-3.5-turbo")).isEqualTo(Tokenizer.CL100K_BASE);
    assertThat(estimator.tokenizerFor("claude-sonnet-4-5-20250929"))
        .isEqualTo(Tokenizer.CLAUDE_APPROXIMATION);
    assertThat(estimator.tokenizerFor("us.anthropic.claude-haiku-4-5"))
        .isEqualTo(Tokenizer.CLAUDE_APPROXIMATION);
    assertThat(estimator.tokenizerFor("gemini-2.5-flash"))
        .isEqualTo(Tokenizer.GEMINI_APPROXIMATION);
    assertThat(estimator.tokenizerFor("some-new-model")).isEqualTo(Tokenizer.O200K_BASE);
  }

  @Test
  void countsTextExactlyForOpenAiModels() {
    assertThat(estimator.countText("gpt-5", "Hello world")).isEqualTo(2);
    assertThat(estimator.countText("gpt-4", "Hello world")).isEqualTo(2);
    assertThat(estimator.countText("gpt-5", "")).isZero();
    assertThat(estimator.countText("gpt-5", null)).isZero();
  }

  @Test
  void countsSpecialTokenTextAsOrdinaryText() {
    assertThat(estimator.countText("gpt-4o", "<|endoftext|>")).isGreaterThan(1);
  }

  @Test
  void matchesTheCookbookCountForCl100kChat() {
    // The cookbook reports 129 prompt tokens for gpt-4-0613, both counted and from the API.
    assertThat(estimator.countChat("gpt-4-0613", COOKBOOK)).isEqualTo(129);
  }

  @Test
  void matchesTheCookbookCountForO200kChat() {
    // The cookbook reports 124 prompt tokens for gpt-4o and gpt-4o-mini.
    assertThat(estimator.countChat("gpt-4o-mini", COOKBOOK)).isEqualTo(124);
  }

  @Test
  void chatCountIncludesFramingAndPriming() {
    long content = estimator.countText("gpt-5", "Hi there");
    long role = estimator.countText("gpt-5", "user");
    assertThat(estimator.countChat("gpt-5", List.of(new Message("user", "Hi there"))))
        .isEqualTo(
            content
                + role
                + TokenEstimator.TOKENS_PER_MESSAGE
                + TokenEstimator.REPLY_PRIMING_TOKENS);
    assertThat(estimator.countChat("gpt-5", List.of()))
        .isEqualTo(TokenEstimator.REPLY_PRIMING_TOKENS);
  }

  @Test
  void scalesClaudeEstimatesUpFromCl100k() {
    String text = "The quick brown fox jumps over the lazy dog. ".repeat(20).strip();
    long cl100k = estimator.countText("gpt-4", text);
    long claude = estimator.countText("claude-haiku-4-5", text);
    // 20 repetitions of a 10-token sentence: 200 cl100k tokens, x1.20 = 240.
    assertThat(cl100k).isEqualTo(200);
    assertThat(claude).isEqualTo(240);
  }

  @Test
  void isSafeToUseFromManyThreads() {
    String text = "Concurrency should not change a count. ".repeat(50);
    long expected = estimator.countText("gpt-5", text);
    List<Long> counts =
        IntStream.range(0, 16)
            .mapToObj(i -> CompletableFuture.supplyAsync(() -> estimator.countText("gpt-5", text)))
            .map(CompletableFuture::join)
            .toList();
    assertThat(counts).containsOnly(expected);
  }
}
