package dev.tokenwise.router.provider;

import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.request.Deadlines;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.github.resilience4j.reactor.retry.RetryOperator;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Calls a model with retries (exponential backoff with jitter on 429, 5xx, 529 and transport
 * failures, honouring {@code Retry-After}; never on other 4xx), a circuit breaker per provider and
 * model, and the configured fallback chain. A stream is retried only until its status arrives: once
 * bytes may have reached the client, failures are the caller's to report in-band.
 */
@Component
public class ResilientProviders {

  /** A model and the format of the provider that serves it. */
  public record Target(ProviderKind kind, String model) {}

  /** The model that answered and its answer (possibly a non-retryable error). */
  public record Served(Target target, ProviderReply reply, long providerNanos) {}

  /**
   * The model whose stream was accepted, the stream, and the time until its status arrived (retries
   * and fallbacks included).
   */
  public record ServedStream(
      Target target, ResponseEntity<Flux<DataBuffer>> entity, long providerNanos) {}

  private final OpenAiProviderClient openai;
  private final AnthropicProviderClient anthropic;
  private final GeminiProviderClient gemini;
  private final CompatibleProviders compatible;
  private final ResilienceProperties properties;
  private final CircuitBreakerRegistry breakers;
  private final RetryConfig retryConfig;

  /**
   * One {@link Retry} per provider and model, like the breakers: each subscription gets its own
   * attempt count from it, and building one per request cost a measurable share of its CPU.
   */
  private final Map<String, Retry> retries = new ConcurrentHashMap<>();

  private final ProviderMeters meters;

  /** Without a Gemini client: {@code gemini-*} targets fail as unreachable. */
  public ResilientProviders(
      OpenAiProviderClient openai,
      AnthropicProviderClient anthropic,
      ResilienceProperties properties) {
    this(openai, anthropic, null, properties);
  }

  public ResilientProviders(
      OpenAiProviderClient openai,
      AnthropicProviderClient anthropic,
      GeminiProviderClient gemini,
      ResilienceProperties properties) {
    this(openai, anthropic, gemini, CompatibleProviders.none(), properties);
  }

  public ResilientProviders(
      OpenAiProviderClient openai,
      AnthropicProviderClient anthropic,
      GeminiProviderClient gemini,
      CompatibleProviders compatible,
      ResilienceProperties properties) {
    this(openai, anthropic, gemini, compatible, properties, ProviderMeters.none());
  }

  @Autowired
  public ResilientProviders(
      OpenAiProviderClient openai,
      AnthropicProviderClient anthropic,
      GeminiProviderClient gemini,
      CompatibleProviders compatible,
      ResilienceProperties properties,
      ProviderMeters meters) {
    this.openai = openai;
    this.anthropic = anthropic;
    this.gemini = gemini;
    this.compatible = compatible;
    this.properties = properties;
    this.breakers =
        CircuitBreakerRegistry.of(
            CircuitBreakerConfig.custom()
                .failureRateThreshold(properties.failureRateThreshold())
                .slidingWindowSize(properties.slidingWindow())
                .minimumNumberOfCalls(Math.max(1, properties.slidingWindow() / 2))
                .waitDurationInOpenState(properties.openStateWait())
                .recordException(ResilientProviders::isRetryable)
                .build());
    this.meters = meters;
    meters.bind(breakers);
    this.retryConfig =
        RetryConfig.custom()
            .maxAttempts(Math.max(1, properties.maxAttempts()))
            .retryOnException(ResilientProviders::isRetryable)
            .intervalBiFunction((IntervalBiFunction<Object>) this::waitBefore)
            .build();
  }

  /** The requested model, then the fallbacks configured for the route, then for the model. */
  public List<Target> chain(String route, String model) {
    Set<String> models = new LinkedHashSet<>();
    models.add(model);
    models.addAll(properties.fallbacks().getOrDefault(route, List.of()));
    models.addAll(properties.fallbacks().getOrDefault(model, List.of()));
    List<Target> targets = new ArrayList<>();
    for (String m : models) {
      targets.add(new Target(ProviderKind.forModel(m), m));
    }
    return targets;
  }

  /**
   * The client that serves a target: the named compatible server that lists its model, else the
   * provider of its kind.
   */
  public ProviderClient client(Target target) {
    if (target.kind() == ProviderKind.OPENAI) {
      java.util.Optional<OpenAiProviderClient> server = compatible.forModel(target.model());
      if (server.isPresent()) {
        return server.get();
      }
    }
    return client(target.kind());
  }

  public ProviderClient client(ProviderKind kind) {
    return switch (kind) {
      case ANTHROPIC -> anthropic;
      case GEMINI -> {
        if (gemini == null) {
          throw OpenAiApiException.upstreamUnavailable(
              HttpStatus.BAD_GATEWAY, "No Gemini provider is configured.");
        }
        yield gemini;
      }
      case OPENAI -> openai;
    };
  }

  /**
   * A non-streamed call along the chain. {@code bodies} writes the request for a target; when it
   * throws for the first target (the request cannot be expressed), the error is the client's.
   */
  public Mono<Served> complete(List<Target> chain, Function<Target, byte[]> bodies) {
    return Mono.defer(
        () -> {
          long started = System.nanoTime();
          return deadline(
                  attempt(
                      chain,
                      0,
                      bodies,
                      (target, body) ->
                          Mono.defer(() -> client(target).post(path(target, false), body))
                              .flatMap(
                                  reply ->
                                      reply.isRetryable()
                                          ? Mono.<ProviderReply>error(new ProviderErrorReply(reply))
                                          : Mono.just(reply))
                              .map(reply -> new Served(target, reply, 0))),
                  chain)
              // a single model's last retryable reply is the client's to see (429 + Retry-After)
              .onErrorResume(
                  ProviderErrorReply.class,
                  e -> Mono.just(new Served(chain.get(chain.size() - 1), e.reply(), 0)))
              .map(s -> new Served(s.target(), s.reply(), System.nanoTime() - started));
        });
  }

  /** A streamed call along the chain, retried and failed over until a stream is accepted. */
  public Mono<ServedStream> stream(List<Target> chain, Function<Target, byte[]> bodies) {
    return Mono.defer(
        () -> {
          long started = System.nanoTime();
          return deadline(
                  attempt(
                      chain,
                      0,
                      bodies,
                      (target, body) ->
                          Mono.defer(() -> client(target).stream(path(target, true), body))
                              .map(entity -> new ServedStream(target, entity, 0))),
                  chain)
              .map(
                  s ->
                      new ServedStream(
                          s.target(),
                          timeFirstChunk(s.target(), s.entity(), started),
                          System.nanoTime() - started));
        });
  }

  private <T> Mono<T> attempt(
      List<Target> chain,
      int index,
      Function<Target, byte[]> bodies,
      java.util.function.BiFunction<Target, byte[], Mono<T>> call) {
    Target target = chain.get(index);
    boolean last = index == chain.size() - 1;
    byte[] body;
    try {
      body = bodies.apply(target);
    } catch (RuntimeException e) {
      return index == 0 || last ? Mono.error(e) : attempt(chain, index + 1, bodies, call);
    }
    String name = target.kind().providerName() + ":" + target.model();
    CircuitBreaker breaker = breakers.circuitBreaker(name);
    Retry retry = retries.computeIfAbsent(name, n -> Retry.of(n, retryConfig));
    Mono<T> tried =
        Mono.defer(() -> call.apply(target, body))
            .transformDeferred(CircuitBreakerOperator.of(breaker))
            .transformDeferred(RetryOperator.of(retry));
    if (last) {
      return chain.size() == 1
          ? tried.onErrorMap(CallNotPermittedException.class, this::exhausted)
          : tried.onErrorMap(this::exhausted);
    }
    return tried.onErrorResume(
        e -> isRetryable(e) || e instanceof CallNotPermittedException,
        e -> {
          meters.fallback(
              target, e instanceof CallNotPermittedException ? "breaker-open" : "error");
          return attempt(chain, index + 1, bodies, call);
        });
  }

  /** The stream's body, timing its first chunk from the start of the call (retries included). */
  private ResponseEntity<Flux<DataBuffer>> timeFirstChunk(
      Target target, ResponseEntity<Flux<DataBuffer>> entity, long started) {
    if (entity.getBody() == null || !entity.getStatusCode().is2xxSuccessful()) {
      return entity;
    }
    java.util.concurrent.atomic.AtomicBoolean first =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    Flux<DataBuffer> body =
        entity
            .getBody()
            .doOnNext(
                chunk -> {
                  if (first.compareAndSet(true, false)) {
                    meters.firstChunk(
                        target, java.time.Duration.ofNanos(System.nanoTime() - started));
                  }
                });
    return new ResponseEntity<>(body, entity.getHeaders(), entity.getStatusCode());
  }

  private <T> Mono<T> deadline(Mono<T> call, List<Target> chain) {
    return Deadlines.within(call, properties.totalTimeout())
        .onErrorMap(
            TimeoutException.class,
            e ->
                OpenAiApiException.upstreamUnavailable(
                    HttpStatus.SERVICE_UNAVAILABLE,
                    "No provider answered within "
                        + properties.totalTimeout().toMillis()
                        + " ms (tried "
                        + models(chain)
                        + ")."));
  }

  private Throwable exhausted(Throwable e) {
    if (isRetryable(e) || e instanceof CallNotPermittedException) {
      return OpenAiApiException.upstreamUnavailable(
          HttpStatus.SERVICE_UNAVAILABLE,
          "Every provider of this request failed or is unavailable; retry later.");
    }
    return e;
  }

  private static String models(List<Target> chain) {
    return String.join(", ", chain.stream().map(Target::model).toList());
  }

  /** The API path of a target's call; Gemini names the model and the streaming in the path. */
  static String path(Target target, boolean stream) {
    return switch (target.kind()) {
      case ANTHROPIC -> AnthropicProviderClient.MESSAGES_PATH;
      case GEMINI -> GeminiProviderClient.path(target.model(), stream);
      case OPENAI -> OpenAiProviderClient.CHAT_PATH;
    };
  }

  /** 429, 5xx and 529 replies and transport failures (refused, reset, timed out). */
  static boolean isRetryable(Throwable e) {
    if (e instanceof ProviderErrorReply reply) {
      return reply.reply().isRetryable();
    }
    return e instanceof OpenAiApiException api && "upstream_unavailable".equals(api.code());
  }

  private long waitBefore(
      int attempt, io.github.resilience4j.core.functions.Either<Throwable, Object> outcome) {
    if (outcome.isLeft()
        && outcome.getLeft() instanceof ProviderErrorReply reply
        && reply.reply().retryAfter() != null) {
      return Math.min(reply.reply().retryAfter().toMillis(), properties.maxRetryAfter().toMillis());
    }
    long base = properties.initialBackoff().toMillis() << Math.min(20, Math.max(0, attempt - 1));
    long capped = Math.min(base, properties.maxBackoff().toMillis());
    return Math.max(0, (long) (capped * (0.5 + ThreadLocalRandom.current().nextDouble())));
  }

  /** For tests and metrics: the breaker state of a provider's model. */
  public CircuitBreaker.State state(Target target) {
    return breakers.circuitBreaker(target.kind().providerName() + ":" + target.model()).getState();
  }
}
