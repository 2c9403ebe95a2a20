package dev.tokenwise.batch.intake;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Intake settings ({@code tokenwise.batch.intake.*}).
 *
 * @param defaultMaxTokens {@code max_tokens} given to an OpenAI-format request sent to Anthropic
 *     without a cap (Anthropic requires one)
 */
@ConfigurationProperties("tokenwise.batch.intake")
public record IntakeProperties(@DefaultValue("4096") long defaultMaxTokens) {}
