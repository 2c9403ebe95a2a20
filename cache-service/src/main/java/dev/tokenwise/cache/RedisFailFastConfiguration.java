package dev.tokenwise.cache;

import io.lettuce.core.ClientOptions;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Makes Redis commands fail at once while the connection is down instead of queueing until it comes
 * back: the cache fails open (a lookup that cannot reach Redis is a miss), so a queued lookup is
 * only memory held for a caller that has already been answered with a miss.
 */
@Configuration(proxyBeanMethods = false)
class RedisFailFastConfiguration {

  @Bean
  LettuceClientOptionsBuilderCustomizer rejectCommandsWhileDisconnected() {
    return options ->
        options.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
  }
}
