package dev.tokenwise.simulator.billing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.springframework.util.MultiValueMap;

/**
 * The time buckets one report page covers: the start snapped to the bucket width in UTC, at most
 * {@code limit} buckets, none starting at or after the end (default: now), and the page token of
 * the next bucket when more remain. Both providers' admin reports page this way.
 */
record ReportWindow(List<Instant> starts, Duration width, Instant nextPage) {

  /** Bad query input, in words the provider's error envelope carries. */
  static final class BadQuery extends RuntimeException {
    BadQuery(String message) {
      super(message);
    }
  }

  static ReportWindow of(
      Instant start, Instant end, String widthToken, String limitToken, String page, Instant now) {
    Duration width =
        switch (widthToken == null ? "1d" : widthToken) {
          case "1m" -> Duration.ofMinutes(1);
          case "1h" -> Duration.ofHours(1);
          case "1d" -> Duration.ofDays(1);
          default -> throw new BadQuery("bucket_width must be one of 1m, 1h, 1d");
        };
    int max =
        width.equals(Duration.ofDays(1)) ? 31 : width.equals(Duration.ofHours(1)) ? 168 : 1440;
    int standard =
        width.equals(Duration.ofDays(1)) ? 7 : width.equals(Duration.ofHours(1)) ? 24 : 60;
    int limit;
    try {
      limit = limitToken == null ? standard : Integer.parseInt(limitToken);
    } catch (NumberFormatException e) {
      throw new BadQuery("limit must be an integer");
    }
    if (limit < 1 || limit > max) {
      throw new BadQuery("limit must be between 1 and " + max + " for bucket_width " + widthToken);
    }
    Instant from = start;
    if (page != null && !page.isBlank()) {
      try {
        from = Instant.parse(page);
      } catch (RuntimeException e) {
        throw new BadQuery("page is not a page token from this report");
      }
    }
    long seconds = width.toSeconds();
    Instant first = Instant.ofEpochSecond(Math.floorDiv(from.getEpochSecond(), seconds) * seconds);
    Instant stop = end == null ? now : end;
    List<Instant> starts = new ArrayList<>();
    Instant at = first;
    while (at.isBefore(stop) && starts.size() < limit) {
      starts.add(at);
      at = at.plus(width);
    }
    return new ReportWindow(starts, width, at.isBefore(stop) ? at : null);
  }

  /** Every value of a repeated query parameter, sent as {@code name}, {@code name[]} or a list. */
  static List<String> all(MultiValueMap<String, String> query, String name) {
    List<String> out = new ArrayList<>();
    for (String key : List.of(name, name + "[]")) {
      for (String value : query.getOrDefault(key, List.of())) {
        for (String part : value.split(",")) {
          if (!part.isBlank()) {
            out.add(part.trim());
          }
        }
      }
    }
    return out;
  }
}
