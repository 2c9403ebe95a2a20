package dev.tokenwise.router.chat;

import dev.tokenwise.common.openai.OpenAiError;
import dev.tokenwise.common.tokens.TokenEstimator;
import dev.tokenwise.common.translate.NormalizedUsage;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.router.cache.CacheLookup;
import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.provider.Formats;
import dev.tokenwise.router.provider.ProviderErrorReply;
import dev.tokenwise.router.provider.ProviderKind;
import dev.tokenwise.router.provider.ResilientProviders;
import dev.tokenwise.router.request.Overhead;
import dev.tokenwise.router.request.TokenwiseHeaders;
import dev.tokenwise.router.usage.UsageEvents;
import dev.tokenwise.router.usage.UsagePublisher;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** Chat requests with {@code "stream": true}: server-sent events passed through as they arrive. */
@Component
class StreamedCompletions {

  private final ResilientProviders providers;
  private final Formats formats;
  private final Overhead overhead;
  private final UsagePublisher usage;
  private final ChatAnswers answers;
  private final JsonMapper json;

  StreamedCompletions(
      ResilientProviders providers,
      Formats formats,
      Overhead overhead,
      UsagePublisher usage,
      ChatAnswers answers,
      JsonMapper json) {
    this.providers = providers;
    this.formats = formats;
    this.overhead = overhead;
    this.usage = usage;
    this.answers = answers;
    this.json = json;
  }

  /**
   * A streamed request the cache did not answer (a hit is replayed by {@link
   * CachedCompletionStream}). The router asks for the usage chunk ({@code
   * stream_options.include_usage}), passes the events through as they arrive, and emits the usage
   * event when the stream ends, fails or the client goes away: exactly one, whichever comes first.
   *
   * @param cacheResult what the cache lookup found, for the {@code Tokenwise-Cache} header
   * @param answered called once the stream has ended normally with a plain text answer, with the
   *     model that served it and the answer as a {@code chat.completion} (see {@link
   *     SseUsageTap#completion()}), so that it can be stored like a whole answer
   */
  Mono<ServerResponse> serve(
      UsageEvents.Request facts,
      ChatCall call,
      CacheLookup.Result cacheResult,
      BiConsumer<ResilientProviders.Target, ObjectNode> answered) {
    boolean clientWantsUsage =
        call.json().path("stream_options").path("include_usage").asBoolean(false);
    ObjectNode request = call.json();
    byte[] body = call.raw();
    if (!clientWantsUsage) {
      ObjectNode withUsage = call.json().deepCopy();
      withUsage
          .putObject("stream_options")
          .setAll(optionsOf(call.json()))
          .put("include_usage", true);
      request = withUsage;
      body = json.writeValueAsBytes(withUsage);
    }
    ObjectNode sent = request;
    byte[] sentBody = body;
    SseUsageTap tap = new SseUsageTap(json, clientWantsUsage);
    AtomicReference<ResilientProviders.Target> servedBy =
        new AtomicReference<>(
            new ResilientProviders.Target(ProviderKind.forModel(call.model()), call.model()));
    Consumer<UsageEvent.Status> report =
        usage.streamReporter(
            facts,
            () -> servedBy.get().model(),
            () -> servedBy.get().kind().providerName(),
            () -> tap.usage() != null ? tap.usage() : estimatedUsage(call, tap.output()),
            tap::finishReason);
    return providers.stream(
            providers.chain(facts.route(), call.model()),
            target -> formats.fromOpenAi(sent, sentBody, target))
        .flatMap(
            served -> {
              servedBy.set(served.target());
              Flux<DataBuffer> upstream = formats.streamToOpenAi(served, sent);
              Flux<DataBuffer> events =
                  upstream
                      .concatMapIterable(
                          buffer -> {
                            byte[] bytes = new byte[buffer.readableByteCount()];
                            buffer.read(bytes);
                            DataBufferUtils.release(buffer);
                            return tap.accept(bytes);
                          })
                      .concatWith(Mono.fromSupplier(tap::finish).filter(tail -> tail.length > 0))
                      .map(DefaultDataBufferFactory.sharedInstance::wrap)
                      .cast(DataBuffer.class)
                      .doOnComplete(
                          () -> {
                            report.accept(UsageEvent.Status.OK);
                            ObjectNode completion = tap.completion();
                            if (completion != null) {
                              answered.accept(servedBy.get(), completion);
                            }
                          })
                      .doOnCancel(() -> report.accept(UsageEvent.Status.CLIENT_DISCONNECTED))
                      .onErrorResume(
                          e -> {
                            report.accept(UsageEvent.Status.ERROR);
                            return Mono.just(midStreamError());
                          });
              return ServerResponse.ok()
                  .contentType(MediaType.TEXT_EVENT_STREAM)
                  .headers(
                      headers -> {
                        headers.set(TokenwiseHeaders.ROUTE, facts.route());
                        headers.set(TokenwiseHeaders.MODEL, served.target().model());
                        headers.set(TokenwiseHeaders.CACHE, cacheResult.header());
                        overhead.record(headers, facts.startedNanos(), served.providerNanos());
                      })
                  .body(events, DataBuffer.class);
            })
        .onErrorResume(
            ProviderErrorReply.class,
            e -> {
              UsageEvent event = answers.failed(facts, UsageEvent.Mode.STREAM);
              usage.publish(event);
              return answers.answer(
                  e.reply().status(), formats.openAiError(e.reply()), facts, cacheResult, event);
            })
        .doOnError(
            OpenAiApiException.class,
            e -> usage.publish(answers.failed(facts, UsageEvent.Mode.STREAM)));
  }

  /**
   * Counts a stream's tokens when its usage chunk never came (the client left, the stream broke, or
   * the server does not report usage): the prompt by OpenAI's chat recipe, the output from the text
   * that streamed. CPU work: runs on the parallel scheduler, not the event loop.
   */
  static NormalizedUsage estimatedUsage(ChatCall call, String output) {
    TokenEstimator estimator = TokenEstimator.shared();
    List<TokenEstimator.Message> messages = new ArrayList<>();
    for (JsonNode message : call.json().path("messages")) {
      StringBuilder text = new StringBuilder();
      JsonNode content = message.path("content");
      if (content.isString()) {
        text.append(content.asString());
      }
      for (JsonNode part : content.isArray() ? content : JsonNodeFactory.instance.arrayNode()) {
        if (part.path("text").isString()) {
          text.append(part.path("text").asString());
        }
      }
      JsonNode name = message.path("name");
      messages.add(
          new TokenEstimator.Message(
              message.path("role").asString(""),
              text.toString(),
              name.isString() ? name.asString() : null));
    }
    long input = estimator.countChat(call.model(), messages);
    long generated = output.isEmpty() ? 0 : estimator.countText(call.model(), output);
    return new NormalizedUsage(input, 0, 0, 0, generated, 0);
  }

  /** OpenAI reports a failure after the 200 as a data event carrying an error object. */
  private DataBuffer midStreamError() {
    byte[] error =
        json.writeValueAsBytes(
            OpenAiError.of(
                "The provider stream failed before it finished.",
                OpenAiError.SERVER,
                null,
                "upstream_error"));
    byte[] event = new byte[error.length + 8];
    System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, event, 0, 6);
    System.arraycopy(error, 0, event, 6, error.length);
    event[event.length - 2] = '\n';
    event[event.length - 1] = '\n';
    return DefaultDataBufferFactory.sharedInstance.wrap(event);
  }

  private static ObjectNode optionsOf(ObjectNode request) {
    return request.get("stream_options") instanceof ObjectNode options
        ? options.deepCopy()
        : JsonNodeFactory.instance.objectNode();
  }
}
