package dev.tokenwise.router.cache;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The snapshot each model last answered as (a provider's {@code "model"} field, e.g. {@code
 * gpt-5-mini-2025-08-07} for {@code gpt-5-mini}). Sent as the cache policy's {@code modelVersion},
 * so when a provider moves an alias to a new snapshot cache-service stops answering with, and
 * deletes, the old snapshot's entries. Until a model has answered on this replica its lookups carry
 * no version and miss the versioned entries: one provider call per model after a start.
 */
final class ModelVersions {

  /** Models come from clients; an unbounded map would be theirs to fill. */
  private static final int MAX_MODELS = 1_000;

  private final Map<String, String> versions = new ConcurrentHashMap<>();

  String of(String model) {
    return versions.get(model);
  }

  void answered(String model, String reported) {
    if (reported == null || reported.isBlank() || reported.length() > 200) {
      return;
    }
    if (versions.size() >= MAX_MODELS && !versions.containsKey(model)) {
      return;
    }
    versions.put(model, reported);
  }
}
