package dev.tokenwise.batch.collect;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Polling and result handling ({@code tokenwise.batch.collect.*}).
 *
 * @param firstPoll the first wait between polls of a batch; doubled after each poll that finds it
 *     open
 * @param maxPollInterval the longest wait between polls
 * @param interval how often the collector looks for batches due a poll
 * @param resubmissions how many times a request whose line errored, expired or was canceled is sent
 *     again in a later batch
 * @param syncFallbackMargin a failed line whose client deadline is this close is answered by a
 *     synchronous call instead of waiting for another batch
 * @param lockAtMost longest the collector lock is held if its holder dies
 */
@ConfigurationProperties("tokenwise.batch.collect")
public record CollectProperties(
    @DefaultValue("30s") Duration firstPoll,
    @DefaultValue("10m") Duration maxPollInterval,
    @DefaultValue("10s") Duration interval,
    @DefaultValue("1") int resubmissions,
    @DefaultValue("2h") Duration syncFallbackMargin,
    @DefaultValue("2m") Duration lockAtMost) {}
