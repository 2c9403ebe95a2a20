package dev.tokenwise.router.usage;

import io.lettuce.core.ClientOptions;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Lettuce queues commands while disconnected by default and sends them on reconnect; a usage event
 * would then be spooled on timeout and sent again when Redis returns. Rejecting commands while
 * disconnected makes the failure immediate and the spool the only copy.
 */
@Configuration(proxyBeanMethods = false)
class RedisConfiguration {

  @Bean
  LettuceClientOptionsBuilderCustomizer rejectCommandsWhileDisconnected() {
    return builder ->
        builder.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
  }
}
