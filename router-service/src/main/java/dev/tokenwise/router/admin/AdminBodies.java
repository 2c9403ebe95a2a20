package dev.tokenwise.router.admin;

import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.tenant.Tenant;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads and checks admin request bodies: at most {@value #MAX_BODY_BYTES} bytes of one JSON object
 * with known fields of the right types. A body that fails is a 400 naming the field, before any
 * state changes.
 */
final class AdminBodies {

  static final int MAX_BODY_BYTES = 16 * 1024;
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,63}");
  private static final Pattern LIST_ITEM = Pattern.compile("[\\x21-\\x2b\\x2d-\\x7e]{1,256}");
  private static final int MAX_LIST = 100;
  private static final Set<String> MINT =
      Set.of(
          "tenant",
          "app",
          "routes",
          "models",
          "replenishRate",
          "burstCapacity",
          "tokensPerMinute",
          "tokenBurst",
          "budgetUsd",
          "expiresAt");
  private static final Set<String> UPDATE =
      Set.of(
          "routes",
          "models",
          "replenishRate",
          "burstCapacity",
          "tokensPerMinute",
          "tokenBurst",
          "budgetUsd",
          "expiresAt");

  private AdminBodies() {}

  /** The request's body as a JSON object; an empty body is an empty object. */
  static Mono<JsonNode> read(ServerRequest request, JsonMapper json) {
    return bytes(request, MAX_BODY_BYTES)
        .map(
            bytes -> {
              if (bytes.length == 0) {
                return json.createObjectNode();
              }
              JsonNode tree;
              try {
                tree = json.readTree(bytes);
              } catch (JacksonException e) {
                throw invalid("The body is not valid JSON.", null);
              }
              if (tree == null || !tree.isObject()) {
                throw invalid("The body must be a JSON object.", null);
              }
              return tree;
            });
  }

  /** The request's body, at most {@code maxBytes} (else a 413); empty when there is none. */
  static Mono<byte[]> bytes(ServerRequest request, int maxBytes) {
    return DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()), maxBytes)
        .map(
            buffer -> {
              byte[] bytes = new byte[buffer.readableByteCount()];
              buffer.read(bytes);
              DataBufferUtils.release(buffer);
              return bytes;
            })
        .defaultIfEmpty(new byte[0]);
  }

  /** A mint request: what the key carries, and when it expires. */
  record Mint(Tenant terms, Instant expiresAt) {}

  static Mint mint(JsonNode body) {
    known(body, MINT);
    if (!body.path("tenant").isString()) {
      throw invalid("'tenant' is required.", "tenant");
    }
    String tenant = name(body, "tenant");
    String app = body.hasNonNull("app") ? name(body, "app") : null;
    Tenant terms =
        new Tenant(
            tenant,
            app,
            list(body, "routes"),
            list(body, "models"),
            rateLimit(body, null),
            tokenLimit(body, null),
            null,
            budget(body, null));
    return new Mint(terms, expiresAt(body));
  }

  /**
   * The terms of {@code current} changed by an update body: a field left out keeps its value; a
   * limit or {@code expiresAt} set to null is removed.
   */
  static Mint update(JsonNode body, Tenant current, Instant currentExpiry) {
    known(body, UPDATE);
    if (body.isEmpty()) {
      throw invalid("The body names nothing to change.", null);
    }
    Tenant terms =
        new Tenant(
            current.id(),
            current.app(),
            body.has("routes") ? list(body, "routes") : current.routes(),
            body.has("models") ? list(body, "models") : current.models(),
            body.has("replenishRate") || body.has("burstCapacity")
                ? rateLimit(body, current.rateLimit())
                : current.rateLimit(),
            body.has("tokensPerMinute") || body.has("tokenBurst")
                ? tokenLimit(body, current.tokenLimit())
                : current.tokenLimit(),
            current.keyId(),
            body.has("budgetUsd") ? budget(body, null) : current.budgetUsd());
    return new Mint(terms, body.has("expiresAt") ? expiresAt(body) : currentExpiry);
  }

  /**
   * The key's monthly budget: a positive amount in USD (a number or a decimal string, at most
   * 1,000,000), or null to have none.
   */
  static BigDecimal budget(JsonNode body, BigDecimal absent) {
    JsonNode value = body.get("budgetUsd");
    if (value == null) {
      return absent;
    }
    if (value.isNull()) {
      return null;
    }
    BigDecimal amount;
    try {
      amount =
          value.isNumber()
              ? value.decimalValue()
              : value.isString() ? new BigDecimal(value.asString().strip()) : null;
    } catch (NumberFormatException e) {
      amount = null;
    }
    if (amount == null
        || amount.signum() <= 0
        || amount.compareTo(BigDecimal.valueOf(1_000_000)) > 0) {
      throw invalid(
          "'budgetUsd' must be a positive amount in USD of at most 1000000, or null.", "budgetUsd");
    }
    return amount.stripTrailingZeros();
  }

  static long integer(JsonNode body, String field, long min, long max, long absent) {
    known(body, Set.of(field));
    JsonNode value = body.get(field);
    if (value == null) {
      return absent;
    }
    return bounded(value, field, min, max);
  }

  /** A budget: {@code hardUsd} and {@code softUsd}, each a non-negative number or null. */
  /** A tenant's request rate limit: {@code replenishRate} (required) and {@code burstCapacity}. */
  static Tenant.RateLimit tenantRateLimit(JsonNode body) {
    known(body, Set.of("replenishRate", "burstCapacity"));
    if (body.get("replenishRate") == null || body.get("replenishRate").isNull()) {
      throw invalid(
          "'replenishRate' is required (DELETE the limits to remove them).", "replenishRate");
    }
    return rateLimit(body, null);
  }

  static BigDecimal[] budget(JsonNode body) {
    known(body, Set.of("hardUsd", "softUsd"));
    BigDecimal hard = usd(body, "hardUsd");
    BigDecimal soft = usd(body, "softUsd");
    if (hard != null && soft != null && soft.compareTo(hard) > 0) {
      throw invalid("'softUsd' must not be above 'hardUsd'.", "softUsd");
    }
    return new BigDecimal[] {hard, soft};
  }

  static String tenant(JsonNode body) {
    known(body, Set.of("tenant"));
    if (!body.path("tenant").isString()) {
      throw invalid("'tenant' is required.", "tenant");
    }
    return name(body, "tenant");
  }

  /** Checks a tenant or app name taken from a path or query. */
  static String name(String value, String field) {
    if (value == null || !NAME.matcher(value).matches()) {
      throw invalid(
          "'" + field + "' must be 1 to 64 letters, digits, '.', '_', ':' or '-'.", field);
    }
    return value;
  }

  static OpenAiApiException invalid(String message, String field) {
    return OpenAiApiException.invalidRequest(
        message, field, field == null ? "invalid_body" : "invalid_value");
  }

  private static void known(JsonNode body, Set<String> allowed) {
    for (String field : body.propertyNames()) {
      if (!allowed.contains(field)) {
        throw invalid(
            "Unknown field '"
                + (field.length() > 64 ? field.substring(0, 64) + "…" : field)
                + "'; expected some of "
                + new java.util.TreeSet<>(allowed)
                + ".",
            null);
      }
    }
  }

  private static String name(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (!value.isString()) {
      throw invalid("'" + field + "' must be a string.", field);
    }
    return name(value.asString(), field);
  }

  private static List<String> list(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return List.of();
    }
    if (!value.isArray() || value.size() > MAX_LIST) {
      throw invalid("'" + field + "' must be an array of at most " + MAX_LIST + " strings.", field);
    }
    List<String> items = new ArrayList<>();
    for (JsonNode item : value) {
      if (!item.isString() || !LIST_ITEM.matcher(item.asString()).matches()) {
        throw invalid(
            "'"
                + field
                + "' items must be 1 to 256 printable ASCII characters without spaces or commas.",
            field);
      }
      items.add(item.asString());
    }
    return items;
  }

  private static Tenant.RateLimit rateLimit(JsonNode body, Tenant.RateLimit current) {
    JsonNode rate = body.get("replenishRate");
    JsonNode burst = body.get("burstCapacity");
    if (rate != null && rate.isNull()) {
      if (burst != null && !burst.isNull()) {
        throw invalid("'burstCapacity' needs 'replenishRate'.", "burstCapacity");
      }
      return null;
    }
    Integer r = null;
    if (rate != null) {
      r = (int) bounded(rate, "replenishRate", 1, 1_000_000);
    } else if (current != null) {
      r = current.replenishRate();
    }
    if (r == null) {
      if (burst != null && !burst.isNull()) {
        throw invalid("'burstCapacity' needs 'replenishRate'.", "burstCapacity");
      }
      return null;
    }
    int b =
        burst != null && !burst.isNull()
            ? (int) bounded(burst, "burstCapacity", 1, 10_000_000)
            : rate != null || current == null ? r : current.burstCapacity();
    if (b < r) {
      throw invalid("'burstCapacity' must be at least 'replenishRate'.", "burstCapacity");
    }
    return new Tenant.RateLimit(r, b);
  }

  private static Tenant.TokenLimit tokenLimit(JsonNode body, Tenant.TokenLimit current) {
    JsonNode perMinute = body.get("tokensPerMinute");
    JsonNode burst = body.get("tokenBurst");
    if (perMinute != null && perMinute.isNull()) {
      if (burst != null && !burst.isNull()) {
        throw invalid("'tokenBurst' needs 'tokensPerMinute'.", "tokenBurst");
      }
      return null;
    }
    Long m = null;
    if (perMinute != null) {
      m = bounded(perMinute, "tokensPerMinute", 1, 1_000_000_000_000L);
    } else if (current != null) {
      m = current.tokensPerMinute();
    }
    if (m == null) {
      if (burst != null && !burst.isNull()) {
        throw invalid("'tokenBurst' needs 'tokensPerMinute'.", "tokenBurst");
      }
      return null;
    }
    long b =
        burst != null && !burst.isNull()
            ? bounded(burst, "tokenBurst", 1, 1_000_000_000_000L)
            : perMinute != null || current == null ? m : current.burstTokens();
    return new Tenant.TokenLimit(m, b);
  }

  private static Instant expiresAt(JsonNode body) {
    JsonNode value = body.get("expiresAt");
    if (value == null || value.isNull()) {
      return null;
    }
    Instant at;
    try {
      at = value.isString() ? Instant.parse(value.asString()) : null;
    } catch (DateTimeParseException e) {
      at = null;
    }
    if (at == null) {
      throw invalid(
          "'expiresAt' must be an ISO-8601 instant such as 2030-01-31T00:00:00Z.", "expiresAt");
    }
    if (!at.isAfter(Instant.now())) {
      throw invalid("'expiresAt' must be in the future.", "expiresAt");
    }
    return at;
  }

  private static BigDecimal usd(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    BigDecimal amount = null;
    if (value.isNumber()) {
      amount = value.decimalValue();
    } else if (value.isString()) {
      try {
        amount = new BigDecimal(value.asString());
      } catch (NumberFormatException e) {
        amount = null;
      }
    }
    if (amount == null
        || amount.signum() < 0
        || amount.compareTo(BigDecimal.valueOf(1_000_000_000L)) > 0) {
      throw invalid("'" + field + "' must be a number of USD from 0 to 1000000000.", field);
    }
    return amount.stripTrailingZeros();
  }

  private static long bounded(JsonNode value, String field, long min, long max) {
    if (!value.isIntegralNumber()
        || !value.canConvertToLong()
        || value.longValue() < min
        || value.longValue() > max) {
      throw invalid(
          "'" + field + "' must be a whole number from " + min + " to " + max + ".", field);
    }
    return value.longValue();
  }
}
