package dev.tokenwise.router.chat;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Limits and the default route of the chat endpoint ({@code tokenwise.router.max-body-size}, {@code
 * tokenwise.router.default-route.*}).
 */
@ConfigurationProperties("tokenwise.router")
public record ChatProperties(
    @DefaultValue("4MB") DataSize maxBodySize, @DefaultValue DefaultRoute defaultRoute) {

  /**
   * The route requests take until routing rules exist: its name (the {@code Tokenwise-Route} header
   * and the usage event's route) and its reference model.
   */
  public record DefaultRoute(
      @DefaultValue("default") String name, @DefaultValue("gpt-5-mini") String model) {}
}
