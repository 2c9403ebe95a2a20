package dev.tokenwise.router.warmup;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What the router loads before it reports ready.
 *
 * @param embeddingModel load MiniLM at start (learned routing and shadow checks use it); off saves
 *     about 100 MB of memory on a router that uses neither, at the cost of a slow first use
 */
@ConfigurationProperties("tokenwise.router.warm-up")
record WarmUpProperties(@DefaultValue("true") boolean embeddingModel) {}
