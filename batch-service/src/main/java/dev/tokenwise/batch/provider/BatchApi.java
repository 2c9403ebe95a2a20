package dev.tokenwise.batch.provider;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/** One provider's batch API, as the assembler and the collector use it. */
public interface BatchApi {

  Provider provider();

  /**
   * Uploads the batch file when the provider takes files (OpenAI); returns its id, or null when the
   * provider takes the batch inline (Anthropic).
   */
  String upload(UUID batchId, Path file);

  /**
   * Creates the provider batch from {@code file} (or the uploaded {@code inputFileId}), tagged with
   * {@code batchId} where the provider keeps metadata; returns the provider's batch id.
   */
  String create(UUID batchId, Path file, String inputFileId);

  /**
   * The provider batch created for {@code batchId} by an attempt that crashed before recording it,
   * if any: found by metadata (OpenAI) or by creation time and size (Anthropic).
   *
   * @param since when the crashed attempt began
   * @param lines how many requests it sent
   * @param known whether a provider batch id is already recorded for another batch
   */
  Optional<String> findOrphan(
      UUID batchId, Instant since, int lines, java.util.function.Predicate<String> known);

  RemoteBatch status(String providerBatchId);

  /** Streams the batch's results (and OpenAI's error file) into {@code target}, one JSON a line. */
  void download(RemoteBatch batch, Path target);

  /** Reads one downloaded line. */
  ResultLine parse(JsonNode line);

  /** Calls the synchronous endpoint with a provider-format body (the deadline fallback). */
  SyncReply callSync(String body);
}
