package dev.tokenwise.cost.ingest;

import dev.tokenwise.common.usage.UsageEvent;

/** The wire spellings of the event's enums, as stored in the table and used as metric tags. */
final class UsageWire {

  private UsageWire() {}

  static String mode(UsageEvent.Mode mode) {
    return switch (mode) {
      case SYNC -> "sync";
      case STREAM -> "stream";
      case BATCH -> "batch";
      case CACHE_EXACT -> "cache-exact";
      case CACHE_SEMANTIC -> "cache-semantic";
    };
  }

  static String status(UsageEvent.Status status) {
    return switch (status) {
      case OK -> "ok";
      case ERROR -> "error";
      case CLIENT_DISCONNECTED -> "client-disconnected";
    };
  }
}
