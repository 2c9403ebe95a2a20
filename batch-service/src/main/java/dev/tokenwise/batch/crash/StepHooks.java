package dev.tokenwise.batch.crash;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The service's own {@link StepHook}: none. A test registers a {@code @Primary} one instead. */
@Configuration(proxyBeanMethods = false)
class StepHooks {

  @Bean
  StepHook noStepHook() {
    return StepHook.NONE;
  }
}
