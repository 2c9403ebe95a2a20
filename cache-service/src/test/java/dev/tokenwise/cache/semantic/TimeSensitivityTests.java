package dev.tokenwise.cache.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TimeSensitivityTests {

  @Test
  void questionsAboutNowAreTimeSensitive() {
    assertThat(TimeSensitivity.isTimeSensitive("What is the weather today?")).isTrue();
    assertThat(TimeSensitivity.isTimeSensitive("Who is the current CEO of Twitter?")).isTrue();
    assertThat(TimeSensitivity.isTimeSensitive("What is the latest iPhone?")).isTrue();
    assertThat(TimeSensitivity.isTimeSensitive("What happened on March 3rd?")).isTrue();
    assertThat(TimeSensitivity.isTimeSensitive("Events in 2024 so far")).isTrue();
    assertThat(TimeSensitivity.isTimeSensitive("Meetings on 2025-11-27")).isTrue();
    assertThat(TimeSensitivity.isTimeSensitive("What's the news this week?")).isTrue();
  }

  @Test
  void timelessQuestionsAreNot() {
    assertThat(TimeSensitivity.isTimeSensitive("What is the capital of France?")).isFalse();
    assertThat(TimeSensitivity.isTimeSensitive("How do I bake sourdough bread?")).isFalse();
    assertThat(TimeSensitivity.isTimeSensitive("Explain how a knowledge graph works")).isFalse();
  }
}
