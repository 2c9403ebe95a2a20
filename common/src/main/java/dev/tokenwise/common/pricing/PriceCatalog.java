package dev.tokenwise.common.pricing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One version of the price catalog: every priced model with its rates, the version id that cost
 * records keep, and the instant it took effect. Immutable and thread-safe.
 *
 * <p>Model ids resolve case-insensitively through the canonical id, listed aliases, and these
 * normalisations: a provider or path prefix ({@code openai/}, {@code models/}) is dropped; a dated
 * snapshot suffix ({@code -2025-08-07}, {@code -20250929}, {@code @20250929}) is dropped; Bedrock
 * ids ({@code us.anthropic.claude-...-v1:0}) lose their region, vendor and version parts. Prefixes
 * are never guessed: {@code gpt-5-turbo} does not resolve to {@code gpt-5}.
 */
public final class PriceCatalog {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Pattern DATE_SUFFIX = Pattern.compile("[-@](\\d{8}|\\d{4}-\\d{2}-\\d{2})$");
  private static final Pattern BEDROCK_PREFIX = Pattern.compile("^([a-z]{2,4}\\.)?anthropic\\.");
  private static final Pattern BEDROCK_SUFFIX = Pattern.compile("-v\\d+(:\\d+)?$");

  private final String version;
  private final Instant effectiveFrom;
  private final Map<String, ModelPrice> models;
  private final Map<String, ModelPrice> index;

  /**
   * Ids already resolved, as given: resolving normalises with three regular expressions, and a
   * service prices the same few ids again and again. Bounded, since the ids come from clients.
   */
  private final Map<String, Optional<ModelPrice>> resolved = new ConcurrentHashMap<>();

  private static final int MAX_RESOLVED = 4096;

  private PriceCatalog(String version, Instant effectiveFrom, Collection<ModelPrice> prices) {
    this.version = Objects.requireNonNull(version, "version");
    this.effectiveFrom = Objects.requireNonNull(effectiveFrom, "effectiveFrom");
    Map<String, ModelPrice> byModel = new LinkedHashMap<>();
    Map<String, ModelPrice> byId = new LinkedHashMap<>();
    for (ModelPrice price : prices) {
      String id = normalise(price.model());
      if (byModel.putIfAbsent(id, price) != null) {
        throw new IllegalArgumentException("model " + id + " is listed twice in " + version);
      }
      index(byId, id, price);
      for (String alias : price.aliases()) {
        index(byId, normalise(alias), price);
      }
    }
    this.models = Collections.unmodifiableMap(byModel);
    this.index = Collections.unmodifiableMap(byId);
  }

  /** A catalog from explicit prices (tests, or a catalog built from another source). */
  public static PriceCatalog of(
      String version, Instant effectiveFrom, Collection<ModelPrice> prices) {
    return new PriceCatalog(version, effectiveFrom, prices);
  }

  /**
   * Reads one catalog version in the bundled JSON form ({@code pricing/catalog-<version>.json}).
   */
  public static PriceCatalog parse(InputStream json) {
    try {
      return fromTree(JSON.readTree(json));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("invalid price catalog: " + e.getMessage(), e);
    }
  }

  /** Reads one catalog version from its JSON text. */
  public static PriceCatalog parse(String json) {
    return parse(new java.io.ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
  }

  /** The version id cost records keep, e.g. {@code 2025-11-24}. */
  public String version() {
    return version;
  }

  /** The instant from which this version prices events. */
  public Instant effectiveFrom() {
    return effectiveFrom;
  }

  /** Every priced model, in catalog order. */
  public Collection<ModelPrice> models() {
    return models.values();
  }

  /** The prices of {@code modelId} (canonical, alias or dated snapshot), if the catalog has it. */
  public Optional<ModelPrice> find(String modelId) {
    if (modelId == null || modelId.isBlank()) {
      return Optional.empty();
    }
    Optional<ModelPrice> known = resolved.get(modelId);
    if (known != null) {
      return known;
    }
    String id = normalise(modelId);
    ModelPrice price = index.get(id);
    if (price == null) {
      price = index.get(DATE_SUFFIX.matcher(id).replaceFirst(""));
    }
    Optional<ModelPrice> found = Optional.ofNullable(price);
    if (resolved.size() < MAX_RESOLVED) {
      resolved.put(modelId, found);
    }
    return found;
  }

  /**
   * The prices of {@code modelId}.
   *
   * @throws UnknownModelException when the catalog has no price for it
   */
  public ModelPrice require(String modelId) {
    return find(modelId).orElseThrow(() -> new UnknownModelException(modelId, version));
  }

  /** Whether the catalog can price {@code modelId}. */
  public boolean knows(String modelId) {
    return find(modelId).isPresent();
  }

  /**
   * This catalog with configured overrides merged over it. Keys are model ids (resolved like {@link
   * #find}; an unresolved key adds a model). The result's version is this version plus {@code
   * +overrides-<hash of the overrides>}, so a cost record shows that overrides priced it and equal
   * overrides on every replica yield the same version.
   */
  public PriceCatalog withOverrides(Map<String, PriceOverride> overrides) {
    if (overrides == null || overrides.isEmpty()) {
      return this;
    }
    Map<String, ModelPrice> merged = new LinkedHashMap<>(models);
    Map<String, PriceOverride> sorted = new TreeMap<>();
    overrides.forEach((key, value) -> sorted.put(normalise(key), value));
    for (Map.Entry<String, PriceOverride> entry : sorted.entrySet()) {
      String key = entry.getKey();
      PriceOverride override = Objects.requireNonNull(entry.getValue(), "override for " + key);
      Optional<ModelPrice> existing = find(key);
      if (existing.isPresent()) {
        ModelPrice base = existing.get();
        merged.put(normalise(base.model()), apply(base, override));
      } else {
        merged.put(key, create(key, override));
      }
    }
    return new PriceCatalog(
        version + "+overrides-" + fingerprint(sorted), effectiveFrom, merged.values());
  }

  @Override
  public String toString() {
    return "PriceCatalog["
        + version
        + ", from "
        + effectiveFrom
        + ", "
        + models.size()
        + " models]";
  }

  static String normalise(String modelId) {
    String id = modelId.trim().toLowerCase(Locale.ROOT);
    int slash = id.lastIndexOf('/');
    if (slash >= 0) {
      id = id.substring(slash + 1);
    }
    if (BEDROCK_PREFIX.matcher(id).find()) {
      id = BEDROCK_SUFFIX.matcher(BEDROCK_PREFIX.matcher(id).replaceFirst("")).replaceFirst("");
    }
    return id;
  }

  private static void index(Map<String, ModelPrice> byId, String id, ModelPrice price) {
    ModelPrice previous = byId.putIfAbsent(id, price);
    if (previous != null && previous != price) {
      throw new IllegalArgumentException(
          "id " + id + " names both " + previous.model() + " and " + price.model());
    }
  }

  private static ModelPrice apply(ModelPrice base, PriceOverride o) {
    Rates r = base.rates();
    Rates rates =
        new Rates(
            or(o.input(), r.input()),
            or(o.cachedInput(), r.cachedInput()),
            or(o.cacheWrite5m(), r.cacheWrite5m()),
            or(o.cacheWrite1h(), r.cacheWrite1h()),
            or(o.output(), r.output()));
    List<String> aliases = new ArrayList<>(base.aliases());
    if (o.aliases() != null) {
      aliases.addAll(o.aliases());
    }
    return new ModelPrice(
        base.model(),
        o.provider() != null ? o.provider() : base.provider(),
        aliases,
        rates,
        base.longContext(),
        or(o.batchDiscount(), base.batchDiscount()),
        base.effectiveFrom(),
        base.source());
  }

  private static ModelPrice create(String model, PriceOverride o) {
    if (o.provider() == null || o.input() == null || o.output() == null) {
      throw new IllegalArgumentException(
          "override for unknown model " + model + " needs provider, input and output");
    }
    Rates rates =
        new Rates(
            o.input(),
            or(o.cachedInput(), o.input()),
            or(o.cacheWrite5m(), o.input()),
            or(o.cacheWrite1h(), o.input()),
            o.output());
    return new ModelPrice(
        model,
        o.provider(),
        o.aliases(),
        rates,
        null,
        or(o.batchDiscount(), BigDecimal.ZERO),
        null,
        null);
  }

  private static BigDecimal or(BigDecimal value, BigDecimal fallback) {
    return value != null ? value : fallback;
  }

  private static String fingerprint(Map<String, PriceOverride> sorted) {
    StringBuilder canonical = new StringBuilder();
    sorted.forEach(
        (key, o) ->
            canonical
                .append(key)
                .append('|')
                .append(o.provider())
                .append('|')
                .append(o.aliases())
                .append('|')
                .append(plain(o.input()))
                .append('|')
                .append(plain(o.cachedInput()))
                .append('|')
                .append(plain(o.cacheWrite5m()))
                .append('|')
                .append(plain(o.cacheWrite1h()))
                .append('|')
                .append(plain(o.output()))
                .append('|')
                .append(plain(o.batchDiscount()))
                .append('\n'));
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  private static String plain(BigDecimal value) {
    return value == null ? "-" : value.stripTrailingZeros().toPlainString();
  }

  private static PriceCatalog fromTree(JsonNode root) {
    int schemaVersion = root.path("schemaVersion").asInt(1);
    if (schemaVersion != 1) {
      throw new IllegalArgumentException("unsupported catalog schemaVersion " + schemaVersion);
    }
    String version = text(root, "version");
    Instant effectiveFrom = Instant.parse(text(root, "effectiveFrom"));
    List<ModelPrice> prices = new ArrayList<>();
    for (JsonNode node : root.path("models")) {
      prices.add(modelPrice(node));
    }
    if (prices.isEmpty()) {
      throw new IllegalArgumentException("catalog " + version + " lists no models");
    }
    return new PriceCatalog(version, effectiveFrom, prices);
  }

  private static ModelPrice modelPrice(JsonNode node) {
    List<String> aliases = new ArrayList<>();
    node.path("aliases").forEach(alias -> aliases.add(alias.asString()));
    JsonNode longContext = node.get("longContext");
    return new ModelPrice(
        text(node, "model"),
        text(node, "provider"),
        aliases,
        rates(node),
        longContext == null || longContext.isNull()
            ? null
            : new ModelPrice.LongContext(
                longContext.path("aboveInputTokens").asLong(), rates(longContext)),
        decimal(node, "batchDiscount"),
        node.hasNonNull("effectiveFrom") ? LocalDate.parse(text(node, "effectiveFrom")) : null,
        node.hasNonNull("source") ? URI.create(text(node, "source")) : null);
  }

  private static Rates rates(JsonNode node) {
    return new Rates(
        decimal(node, "input"),
        decimal(node, "cachedInput"),
        decimal(node, "cacheWrite5m"),
        decimal(node, "cacheWrite1h"),
        decimal(node, "output"));
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw new IllegalArgumentException("missing " + field + " in " + node);
    }
    return value.asString();
  }

  private static BigDecimal decimal(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw new IllegalArgumentException("missing " + field + " in " + node);
    }
    // Decimal strings are exact; a JSON number would pass through a double first.
    if (!value.isString()) {
      throw new IllegalArgumentException(field + " must be a decimal string, not " + value);
    }
    return new BigDecimal(value.asString());
  }

  static InputStream open(String resource) {
    InputStream in = PriceCatalog.class.getClassLoader().getResourceAsStream(resource);
    if (in == null) {
      throw new UncheckedIOException(
          new IOException("price catalog resource missing: " + resource));
    }
    return in;
  }
}
