package dev.tokenwise.cost.report;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * When the weekly report flags a route. Relative changes against the previous week.
 *
 * @param promptCacheDrop flag when the prompt-cache read share falls by at least this fraction of
 *     last week's (a deploy that broke cache placement)
 * @param responseCacheDrop flag when the response-cache hit rate falls by at least this fraction
 * @param costPerRequestJump flag when cost per request rises by at least this fraction (traffic
 *     bypassing the router, a routing rule lost)
 * @param tokensPerRequestJump flag when input tokens per request rise by at least this fraction
 * @param minRequests a route needs this many requests in both weeks to be flagged
 */
@ConfigurationProperties("tokenwise.cost.weekly")
record WeeklyProperties(
    @DefaultValue("0.2") double promptCacheDrop,
    @DefaultValue("0.2") double responseCacheDrop,
    @DefaultValue("0.25") double costPerRequestJump,
    @DefaultValue("0.5") double tokensPerRequestJump,
    @DefaultValue("1") long minRequests) {}
