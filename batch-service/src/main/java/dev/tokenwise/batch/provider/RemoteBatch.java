package dev.tokenwise.batch.provider;

/**
 * A provider batch as last seen.
 *
 * @param id the provider's batch id
 * @param status the provider's status word ({@code in_progress}, {@code completed}, {@code ended}…)
 * @param ended whether no more results will come (completed, failed, expired, cancelled, ended)
 * @param outputFileId OpenAI's output file, or null
 * @param errorFileId OpenAI's error file, or null
 */
public record RemoteBatch(
    String id, String status, boolean ended, String outputFileId, String errorFileId) {}
