package dev.tokenwise.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MainTests {

  @Test
  void optionsAreReadFromTheArguments() {
    Main.Launch launch =
        Main.parse(
            new String[] {"--run-dir=/tmp/tw-run", "--startup-timeout=PT2M"},
            SuiteOptions.defaults());

    assertThat(launch.suite().runDirectory()).isEqualTo(Path.of("/tmp/tw-run"));
    assertThat(launch.suite().startupTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(launch.demo()).isFalse();
  }

  @Test
  void theDemoRunsOnOrExitsAfterItsSummary() {
    Main.Launch runOn = Main.parse(new String[] {"--demo"}, SuiteOptions.defaults());
    Main.Launch exit =
        Main.parse(new String[] {"--demo", "--exit-after-demo"}, SuiteOptions.defaults());

    assertThat(runOn.demo()).isTrue();
    assertThat(runOn.exitAfterDemo()).isFalse();
    assertThat(exit.demo()).isTrue();
    assertThat(exit.exitAfterDemo()).isTrue();
    assertThat(Main.usage()).contains("--demo", "--exit-after-demo");
    assertThatThrownBy(
            () -> Main.parse(new String[] {"--exit-after-demo"}, SuiteOptions.defaults()))
        .hasMessageContaining("--demo");
  }

  @Test
  void helpAsksForTheUsage() {
    assertThat(Main.parse(new String[] {"--help"}, SuiteOptions.defaults())).isNull();
    assertThat(Main.usage()).contains("--port-base", "OPENAI_API_KEY", "ANTHROPIC_API_KEY");
  }

  @Test
  void badArgumentsAreNamed() {
    assertThatThrownBy(() -> Main.parse(new String[] {"--bogus"}, SuiteOptions.defaults()))
        .hasMessageContaining("--bogus");
    assertThatThrownBy(
            () -> Main.parse(new String[] {"--port-base=eighty"}, SuiteOptions.defaults()))
        .hasMessageContaining("not a number");
    assertThatThrownBy(
            () -> Main.parse(new String[] {"--startup-timeout=5m"}, SuiteOptions.defaults()))
        .hasMessageContaining("PT5M");
  }
}
