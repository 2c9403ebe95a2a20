package dev.tokenwise.simulator.openai;

import dev.tokenwise.simulator.answer.Answer;
import dev.tokenwise.simulator.answer.AnswerComposer;
import dev.tokenwise.simulator.billing.BillingLedger;
import dev.tokenwise.simulator.fault.Fault;
import dev.tokenwise.simulator.fault.FaultPlanner;
import dev.tokenwise.simulator.fault.Pacing;
import dev.tokenwise.simulator.model.ModelCatalog;
import dev.tokenwise.simulator.model.ModelCatalog.Provider;
import dev.tokenwise.simulator.promptcache.PromptCacheEmulator;
import dev.tokenwise.simulator.stats.RequestLog;
import dev.tokenwise.simulator.wire.BadSimulatorHeader;
import dev.tokenwise.simulator.wire.TimedEvent;
import dev.tokenwise.simulator.wire.Wire;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code POST /v1/chat/completions}, answered as OpenAI does, plainly or as an event stream. */
@RestController
class OpenAiChatController {

  static final String ENDPOINT = "POST /v1/chat/completions";

  private static final Logger log = LoggerFactory.getLogger(OpenAiChatController.class);

  private static final String BAD_JSON =
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using"
          + " your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent"
          + " was not valid JSON. If you have trouble figuring out how to fix this, please contact"
          + " us through our help center at help.openai.com.)";

  private final JsonMapper json;
  private final AnswerComposer answers;
  private final ModelCatalog models;
  private final FaultPlanner faults;
  private final RequestLog requests;
  private final PromptCacheEmulator promptCache;
  private final BillingLedger billing;

  OpenAiChatController(
      JsonMapper json,
      AnswerComposer answers,
      ModelCatalog models,
      FaultPlanner faults,
      RequestLog requests,
      PromptCacheEmulator promptCache,
      BillingLedger billing) {
    this.json = json;
    this.answers = answers;
    this.models = models;
    this.faults = faults;
    this.requests = requests;
    this.promptCache = promptCache;
    this.billing = billing;
  }

  @PostMapping("/v1/chat/completions")
  Mono<Void> chat(ServerWebExchange exchange, @RequestBody(required = false) String body) {
    // Parsing, token counting and composing grow with the prompt: CPU work, kept off the event
    // loop.
    return Mono.defer(() -> handle(exchange, body)).subscribeOn(Schedulers.parallel());
  }

  private Mono<Void> handle(ServerWebExchange exchange, String body) {
    HttpHeaders headers = exchange.getRequest().getHeaders();
    HttpHeaders out = exchange.getResponse().getHeaders();
    JsonNode tree = readTree(body);
    requests.record(ENDPOINT, headers, tree, body == null ? 0 : body.length());
    OpenAiHeaders.common(out);
    try {
      OpenAiHeaders.requireApiKey(headers);
      if (tree == null) {
        throw OpenAiError.invalidRequest(BAD_JSON, null, null);
      }
      OpenAiChatRequest parsed =
          OpenAiChatRequest.parse(tree, AnswerComposer.answerTokens(headers));
      String served =
          models
              .resolve(Provider.OPENAI, parsed.model())
              .orElseThrow(
                  () ->
                      new OpenAiError(
                          HttpStatus.NOT_FOUND,
                          "The model `"
                              + parsed.model()
                              + "` does not exist or you do not have access to it.",
                          "invalid_request_error",
                          null,
                          "model_not_found"));
      OpenAiChatRequest request =
          parsed.withCachedTokens(
              promptCache.openAiCachedTokens(
                  OpenAiHeaders.organisation(headers), served, tree, parsed.promptTokens()));
      Pacing pacing = faults.pacingFor(headers);
      Optional<Fault> fault =
          faults.faultFor(headers, ENDPOINT, Set.copyOf(List.of(request.model(), served)));
      if (fault.isPresent() && fault.get() == Fault.SLOW_FIRST_BYTE) {
        return Mono.delay(faults.slowFirstByte())
            .then(Mono.defer(() -> answer(exchange, request, served, pacing, null)));
      }
      return answer(exchange, request, served, pacing, fault.orElse(null));
    } catch (OpenAiError e) {
      return error(exchange, e);
    } catch (BadSimulatorHeader e) {
      return error(exchange, OpenAiError.invalidRequest(e.getMessage(), null, null));
    }
  }

  private Mono<Void> answer(
      ServerWebExchange exchange,
      OpenAiChatRequest request,
      String served,
      Pacing pacing,
      Fault fault) {
    HttpHeaders out = exchange.getResponse().getHeaders();
    if (fault != null) {
      switch (fault) {
        case RATE_LIMITED -> {
          Duration retryAfter = faults.retryAfter();
          OpenAiHeaders.rateLimits(out, request.promptTokens(), true, retryAfter);
          out.set(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, retryAfter.toSeconds())));
          return error(
              exchange,
              new OpenAiError(
                  HttpStatus.TOO_MANY_REQUESTS,
                  "Rate limit reached for "
                      + request.model()
                      + " in organization tokenwise-simulator on requests per min (RPM): Limit "
                      + OpenAiHeaders.REQUEST_LIMIT
                      + ", Used "
                      + OpenAiHeaders.REQUEST_LIMIT
                      + ", Requested 1. Please try again in "
                      + OpenAiHeaders.goDuration(retryAfter)
                      + ". Visit https://platform.openai.com/account/rate-limits to learn more.",
                  "requests",
                  null,
                  "rate_limit_exceeded"));
        }
        case SERVER_ERROR -> {
          return error(exchange, serverError());
        }
        case UNAVAILABLE, OVERLOADED -> {
          return error(
              exchange,
              new OpenAiError(
                  HttpStatus.SERVICE_UNAVAILABLE,
                  "The server is overloaded or not ready yet.",
                  "server_error",
                  null,
                  null));
        }
        case CONNECTION_RESET -> {
          if (!request.stream()) {
            return Wire.<Void>reset(exchange).then();
          }
        }
        case STREAM_ERROR -> {
          if (!request.stream()) {
            return error(exchange, serverError());
          }
        }
        case SLOW_FIRST_BYTE -> {}
      }
    }
    Answer answer = answers.compose(request.prompt());
    if (fault == null || fault == Fault.SLOW_FIRST_BYTE) {
      HttpHeaders in = exchange.getRequest().getHeaders();
      billing.bill(
          "openai",
          OpenAiHeaders.apiKeyId(in),
          served,
          "batch".equals(in.getFirst(BillingLedger.BATCH_HEADER)),
          request.promptTokens() - request.cachedTokens(),
          request.cachedTokens(),
          0,
          0,
          answer.outputTokens());
    }
    OpenAiHeaders.rateLimits(
        out, request.promptTokens() + answer.outputTokens(), false, Duration.ZERO);
    Duration generation = pacing.timeToFirstToken().plus(pacing.forTokens(answer.outputTokens()));
    OpenAiHeaders.processing(out, generation);
    String id = Wire.randomId("chatcmpl-", 29);
    long created = Instant.now().getEpochSecond();
    if (!request.stream()) {
      String body = json.writeValueAsString(completion(id, created, served, request, answer));
      return Mono.delay(generation)
          .then(Mono.defer(() -> Wire.json(exchange, HttpStatus.OK, body)));
    }
    List<TimedEvent> events = chunks(id, created, served, request, answer, pacing);
    Flux<String> stream;
    if (fault == Fault.CONNECTION_RESET || fault == Fault.STREAM_ERROR) {
      int kept = Math.min(faults.eventsBeforeReset(), events.size() - 1);
      stream = TimedEvent.play(events.subList(0, kept));
      stream =
          fault == Fault.CONNECTION_RESET
              ? stream.concatWith(Wire.reset(exchange))
              : stream.concatWith(
                  Flux.just(
                      TimedEvent.data(serverError().body().toString(), Duration.ZERO).text()));
    } else {
      stream = TimedEvent.play(events);
    }
    return Wire.eventStream(exchange, stream);
  }

  private ObjectNode completion(
      String id, long created, String served, OpenAiChatRequest request, Answer answer) {
    ObjectNode completion = json.createObjectNode();
    completion.put("id", id);
    completion.put("object", "chat.completion");
    completion.put("created", created);
    completion.put("model", served);
    ObjectNode choice = completion.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode message = choice.putObject("message");
    message.put("role", "assistant");
    if (answer.toolCall() != null) {
      message.putNull("content");
      ObjectNode call = message.putArray("tool_calls").addObject();
      call.put("id", Wire.randomId("call_", 24));
      call.put("type", "function");
      call.putObject("function")
          .put("name", answer.toolCall().name())
          .put("arguments", answer.toolCall().input().toString());
    } else {
      message.put("content", answer.text());
    }
    message.putNull("refusal");
    message.putArray("annotations");
    choice.putNull("logprobs");
    choice.put("finish_reason", finishReason(answer));
    completion.set(
        "usage", usage(request.promptTokens(), request.cachedTokens(), answer.outputTokens()));
    completion.put("service_tier", "default");
    completion.put("system_fingerprint", fingerprint(served));
    return completion;
  }

  private List<TimedEvent> chunks(
      String id,
      long created,
      String served,
      OpenAiChatRequest request,
      Answer answer,
      Pacing pacing) {
    List<TimedEvent> events = new ArrayList<>();
    ObjectNode first = chunk(id, created, served, request);
    ObjectNode firstDelta = delta(first);
    firstDelta.put("role", "assistant");
    List<String> pieces;
    if (answer.toolCall() != null) {
      firstDelta.putNull("content");
      ObjectNode call = firstDelta.putArray("tool_calls").addObject();
      call.put("index", 0);
      call.put("id", Wire.randomId("call_", 24));
      call.put("type", "function");
      call.putObject("function").put("name", answer.toolCall().name()).put("arguments", "");
      pieces = answer.toolCall().inputPieces();
    } else {
      firstDelta.put("content", "");
      pieces = answer.textPieces();
    }
    firstDelta.putNull("refusal");
    events.add(TimedEvent.data(first.toString(), pacing.timeToFirstToken()));
    Duration perPiece =
        pieces.isEmpty()
            ? Duration.ZERO
            : pacing.forTokens(answer.outputTokens()).dividedBy(pieces.size());
    for (String piece : pieces) {
      ObjectNode chunk = chunk(id, created, served, request);
      ObjectNode delta = delta(chunk);
      if (answer.toolCall() != null) {
        delta
            .putArray("tool_calls")
            .addObject()
            .put("index", 0)
            .putObject("function")
            .put("arguments", piece);
      } else {
        delta.put("content", piece);
      }
      events.add(TimedEvent.data(chunk.toString(), perPiece));
    }
    ObjectNode last = chunk(id, created, served, request);
    ((ObjectNode) last.get("choices").get(0)).put("finish_reason", finishReason(answer));
    events.add(TimedEvent.data(last.toString(), Duration.ZERO));
    if (request.includeUsage()) {
      ObjectNode usage = chunk(id, created, served, request);
      usage.putArray("choices");
      usage.set(
          "usage", usage(request.promptTokens(), request.cachedTokens(), answer.outputTokens()));
      events.add(TimedEvent.data(usage.toString(), Duration.ZERO));
    }
    events.add(new TimedEvent("data: [DONE]\n\n", Duration.ZERO));
    return events;
  }

  private ObjectNode chunk(String id, long created, String served, OpenAiChatRequest request) {
    ObjectNode chunk = json.createObjectNode();
    chunk.put("id", id);
    chunk.put("object", "chat.completion.chunk");
    chunk.put("created", created);
    chunk.put("model", served);
    chunk.put("service_tier", "default");
    chunk.put("system_fingerprint", fingerprint(served));
    ArrayNode choices = chunk.putArray("choices");
    ObjectNode choice = choices.addObject();
    choice.put("index", 0);
    choice.putObject("delta");
    choice.putNull("logprobs");
    choice.putNull("finish_reason");
    if (request.includeUsage()) {
      chunk.putNull("usage");
    }
    return chunk;
  }

  private static ObjectNode delta(ObjectNode chunk) {
    return (ObjectNode) chunk.get("choices").get(0).get("delta");
  }

  private ObjectNode usage(long promptTokens, long cachedTokens, long completionTokens) {
    ObjectNode usage = json.createObjectNode();
    usage.put("prompt_tokens", promptTokens);
    usage.put("completion_tokens", completionTokens);
    usage.put("total_tokens", promptTokens + completionTokens);
    usage
        .putObject("prompt_tokens_details")
        .put("cached_tokens", cachedTokens)
        .put("audio_tokens", 0);
    usage
        .putObject("completion_tokens_details")
        .put("reasoning_tokens", 0)
        .put("audio_tokens", 0)
        .put("accepted_prediction_tokens", 0)
        .put("rejected_prediction_tokens", 0);
    return usage;
  }

  /**
   * Failures outside the simulation (an oversized body, a bug) still answer in OpenAI's envelope,
   * never with Spring's default error body.
   */
  @ExceptionHandler(Exception.class)
  Mono<Void> unexpected(ServerWebExchange exchange, Exception e) {
    if (e instanceof DataBufferLimitException
        || (e instanceof ResponseStatusException status
            && status.getStatusCode().value() == HttpStatus.PAYLOAD_TOO_LARGE.value())) {
      return error(
          exchange,
          new OpenAiError(
              HttpStatus.PAYLOAD_TOO_LARGE,
              "Request too large: the body exceeds the simulator's limit"
                  + " (spring.http.codecs.max-in-memory-size).",
              "invalid_request_error",
              null,
              "request_too_large"));
    }
    log.error("Unexpected failure answering {}", ENDPOINT, e);
    return error(exchange, serverError());
  }

  private Mono<Void> error(ServerWebExchange exchange, OpenAiError error) {
    OpenAiHeaders.processing(exchange.getResponse().getHeaders(), Duration.ZERO);
    return Wire.json(exchange, error.status(), json.writeValueAsString(error.body()));
  }

  private JsonNode readTree(String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      return json.readTree(body);
    } catch (JacksonException e) {
      return null;
    }
  }

  private static OpenAiError serverError() {
    return new OpenAiError(
        HttpStatus.INTERNAL_SERVER_ERROR,
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        null,
        null);
  }

  private static String finishReason(Answer answer) {
    return switch (answer.stop()) {
      case END_TURN, STOP_SEQUENCE -> "stop";
      case MAX_TOKENS -> "length";
      case TOOL_USE -> "tool_calls";
    };
  }

  /** A stable fingerprint per model, as the API returns one per backend configuration. */
  private static String fingerprint(String model) {
    return String.format("fp_%010x", model.hashCode() & 0xffffffffL);
  }
}
