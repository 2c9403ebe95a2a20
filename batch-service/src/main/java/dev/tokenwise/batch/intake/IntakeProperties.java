package dev.tokenwise.batch.intake;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Intake settings ({@code tokenwise.batch.intake.*}).
 *
 * @param defaultMaxTokens {@code max_tokens} given to an OpenAI-format request sent to Anthropic
 *     without a cap (Anthropic requires one)
 * @param maxBodySize the largest submission accepted; a larger one is refused with 413 before it is
 *     read whole (the router's own limit is 4 MB of client body, which a submission wraps)
 */
@ConfigurationProperties("tokenwise.batch.intake")
public record IntakeProperties(
    @DefaultValue("4096") long defaultMaxTokens, @DefaultValue("8MB") DataSize maxBodySize) {}
