package dev.tokenwise.simulator.anthropic;

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

/**
 * {@code POST /v1/messages}, answered as Anthropic does, plainly or as named stream events, and
 * {@code POST /v1/messages/count_tokens}.
 */
@RestController
class AnthropicMessagesController {

  static final String ENDPOINT = "POST /v1/messages";
  static final String COUNT_ENDPOINT = "POST /v1/messages/count_tokens";

  private static final Logger log = LoggerFactory.getLogger(AnthropicMessagesController.class);

  private final JsonMapper json;
  private final AnswerComposer answers;
  private final ModelCatalog models;
  private final FaultPlanner faults;
  private final RequestLog requests;

  private final PromptCacheEmulator promptCache;
  private final BillingLedger billing;

  AnthropicMessagesController(
      JsonMapper json,
      AnswerComposer answers,
      ModelCatalog models,
      FaultPlanner faults,
      RequestLog requests,
      PromptCacheEmulator promptCache,
      BillingLedger billing) {
    this.promptCache = promptCache;
    this.billing = billing;
    this.json = json;
    this.answers = answers;
    this.models = models;
    this.faults = faults;
    this.requests = requests;
  }

  @PostMapping("/v1/messages")
  Mono<Void> messages(ServerWebExchange exchange, @RequestBody(required = false) String body) {
    // Parsing, token counting and composing grow with the prompt: CPU work, kept off the event
    // loop.
    return Mono.defer(() -> handle(exchange, body)).subscribeOn(Schedulers.parallel());
  }

  /**
   * Anthropic's token counting: the input tokens a message request would use, nothing generated.
   */
  @PostMapping("/v1/messages/count_tokens")
  Mono<Void> countTokens(ServerWebExchange exchange, @RequestBody(required = false) String body) {
    return Mono.defer(() -> count(exchange, body)).subscribeOn(Schedulers.parallel());
  }

  private Mono<Void> count(ServerWebExchange exchange, String body) {
    HttpHeaders headers = exchange.getRequest().getHeaders();
    JsonNode tree = readTree(body);
    requests.record(COUNT_ENDPOINT, headers, tree, body == null ? 0 : body.length());
    String requestId = AnthropicHeaders.common(exchange.getResponse().getHeaders());
    try {
      AnthropicHeaders.requireKeyAndVersion(headers);
      if (tree == null) {
        throw AnthropicError.invalidRequest(
            "There was an issue with your request body: it is not valid JSON.");
      }
      AnthropicRequest request = AnthropicRequest.parseForCounting(tree);
      requireKnown(request.model());
      ObjectNode count = json.createObjectNode().put("input_tokens", request.inputTokens());
      return Wire.json(exchange, HttpStatus.OK, json.writeValueAsString(count));
    } catch (AnthropicError e) {
      return error(exchange, requestId, e);
    }
  }

  private String requireKnown(String model) {
    return models
        .resolve(Provider.ANTHROPIC, model)
        .orElseThrow(
            () -> new AnthropicError(HttpStatus.NOT_FOUND, "not_found_error", "model: " + model));
  }

  private Mono<Void> handle(ServerWebExchange exchange, String body) {
    HttpHeaders headers = exchange.getRequest().getHeaders();
    JsonNode tree = readTree(body);
    requests.record(ENDPOINT, headers, tree, body == null ? 0 : body.length());
    String requestId = AnthropicHeaders.common(exchange.getResponse().getHeaders());
    try {
      AnthropicHeaders.requireKeyAndVersion(headers);
      if (tree == null) {
        throw AnthropicError.invalidRequest(
            "There was an issue with your request body: it is not valid JSON.");
      }
      AnthropicRequest parsed = AnthropicRequest.parse(tree, AnswerComposer.answerTokens(headers));
      String served = requireKnown(parsed.model());
      AnthropicRequest request =
          parsed.withCache(promptCache.anthropic(served, tree, parsed.inputTokens()));
      Pacing pacing = faults.pacingFor(headers);
      Optional<Fault> fault =
          faults.faultFor(headers, ENDPOINT, Set.copyOf(List.of(request.model(), served)));
      if (fault.isPresent() && fault.get() == Fault.SLOW_FIRST_BYTE) {
        return Mono.delay(faults.slowFirstByte())
            .then(Mono.defer(() -> answer(exchange, requestId, request, served, pacing, null)));
      }
      return answer(exchange, requestId, request, served, pacing, fault.orElse(null));
    } catch (AnthropicError e) {
      return error(exchange, requestId, e);
    } catch (BadSimulatorHeader e) {
      return error(exchange, requestId, AnthropicError.invalidRequest(e.getMessage()));
    }
  }

  private Mono<Void> answer(
      ServerWebExchange exchange,
      String requestId,
      AnthropicRequest request,
      String served,
      Pacing pacing,
      Fault fault) {
    HttpHeaders out = exchange.getResponse().getHeaders();
    if (fault != null) {
      switch (fault) {
        case RATE_LIMITED -> {
          AnthropicHeaders.rateLimits(out, request.inputTokens(), 0, true);
          out.set(
              HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, faults.retryAfter().toSeconds())));
          return error(
              exchange,
              requestId,
              new AnthropicError(
                  HttpStatus.TOO_MANY_REQUESTS,
                  "rate_limit_error",
                  "This request would exceed the rate limit for your organization of "
                      + AnthropicHeaders.REQUEST_LIMIT
                      + " requests per minute. For details, refer to:"
                      + " https://docs.claude.com/en/api/rate-limits."));
        }
        case SERVER_ERROR -> {
          return error(exchange, requestId, apiError());
        }
        case UNAVAILABLE -> {
          return error(
              exchange,
              requestId,
              new AnthropicError(
                  HttpStatus.SERVICE_UNAVAILABLE, "api_error", "Service unavailable"));
        }
        case OVERLOADED -> {
          return error(exchange, requestId, overloaded());
        }
        case CONNECTION_RESET -> {
          if (!request.stream()) {
            return Wire.<Void>reset(exchange).then();
          }
        }
        case STREAM_ERROR -> {
          if (!request.stream()) {
            return error(exchange, requestId, overloaded());
          }
        }
        case SLOW_FIRST_BYTE -> {}
      }
    }
    Answer answer = answers.compose(request.prompt());
    if (fault == null || fault == Fault.SLOW_FIRST_BYTE) {
      HttpHeaders in = exchange.getRequest().getHeaders();
      PromptCacheEmulator.AnthropicCache cache = request.cache();
      billing.bill(
          "anthropic",
          AnthropicHeaders.apiKeyId(in),
          served,
          "batch".equals(in.getFirst(BillingLedger.BATCH_HEADER)),
          Math.max(0, request.inputTokens() - cache.read() - cache.writes()),
          cache.read(),
          cache.write5m(),
          cache.write1h(),
          answer.outputTokens());
    }
    AnthropicHeaders.rateLimits(out, request.inputTokens(), answer.outputTokens(), false);
    String id = Wire.randomId("msg_01", 22);
    String toolUseId = Wire.randomId("toolu_01", 22);
    if (!request.stream()) {
      String body = json.writeValueAsString(message(id, toolUseId, served, request, answer, false));
      Duration generation = pacing.timeToFirstToken().plus(pacing.forTokens(answer.outputTokens()));
      return Mono.delay(generation)
          .then(Mono.defer(() -> Wire.json(exchange, HttpStatus.OK, body)));
    }
    List<TimedEvent> events = events(id, toolUseId, served, request, answer, pacing);
    Flux<String> stream;
    if (fault == Fault.CONNECTION_RESET || fault == Fault.STREAM_ERROR) {
      int kept = Math.min(faults.eventsBeforeReset(), events.size() - 1);
      stream = TimedEvent.play(events.subList(0, kept));
      stream =
          fault == Fault.CONNECTION_RESET
              ? stream.concatWith(Wire.reset(exchange))
              : stream.concatWith(
                  Flux.just(
                      TimedEvent.named("error", overloaded().event().toString(), Duration.ZERO)
                          .text()));
    } else {
      stream = TimedEvent.play(events);
    }
    return Wire.eventStream(exchange, stream);
  }

  /**
   * The message; {@code started} gives the empty, usage-so-far form {@code message_start} carries.
   */
  private ObjectNode message(
      String id,
      String toolUseId,
      String served,
      AnthropicRequest request,
      Answer answer,
      boolean started) {
    ObjectNode message = json.createObjectNode();
    message.put("id", id);
    message.put("type", "message");
    message.put("role", "assistant");
    message.put("model", served);
    ArrayNode content = message.putArray("content");
    if (!started) {
      if (!answer.text().isEmpty() || answer.toolCall() == null) {
        content.add(textBlock(answer.text()));
      }
      if (answer.toolCall() != null) {
        content.add(toolUseBlock(toolUseId, answer, answer.toolCall().input()));
      }
      message.put("stop_reason", stopReason(answer));
      message.put("stop_sequence", answer.stopSequence());
    } else {
      message.putNull("stop_reason");
      message.putNull("stop_sequence");
    }
    ObjectNode usage = usage(request, started ? 1 : answer.outputTokens());
    usage
        .putObject("cache_creation")
        .put("ephemeral_5m_input_tokens", request.cache().write5m())
        .put("ephemeral_1h_input_tokens", request.cache().write1h());
    usage.put("service_tier", "standard");
    message.set("usage", usage);
    return message;
  }

  private List<TimedEvent> events(
      String id,
      String toolUseId,
      String served,
      AnthropicRequest request,
      Answer answer,
      Pacing pacing) {
    List<TimedEvent> events = new ArrayList<>();
    ObjectNode start = json.createObjectNode();
    start.put("type", "message_start");
    start.set("message", message(id, toolUseId, served, request, answer, true));
    events.add(TimedEvent.named("message_start", start.toString(), pacing.timeToFirstToken()));
    List<String> textPieces = answer.textPieces();
    List<String> jsonPieces =
        answer.toolCall() == null ? List.of() : answer.toolCall().inputPieces();
    int pieceCount = Math.max(1, textPieces.size() + jsonPieces.size());
    Duration perPiece = pacing.forTokens(answer.outputTokens()).dividedBy(pieceCount);
    int index = 0;
    if (!answer.text().isEmpty() || answer.toolCall() == null) {
      events.add(blockStart(index, textBlock("")));
      events.add(TimedEvent.named("ping", "{\"type\":\"ping\"}", Duration.ZERO));
      for (String piece : textPieces) {
        ObjectNode delta = json.createObjectNode().put("type", "text_delta").put("text", piece);
        events.add(blockDelta(index, delta, perPiece));
      }
      events.add(blockStop(index));
      index++;
    }
    if (answer.toolCall() != null) {
      events.add(blockStart(index, toolUseBlock(toolUseId, answer, json.createObjectNode())));
      if (index == 0) {
        events.add(TimedEvent.named("ping", "{\"type\":\"ping\"}", Duration.ZERO));
      }
      List<String> partials = new ArrayList<>();
      partials.add("");
      partials.addAll(jsonPieces);
      for (String piece : partials) {
        ObjectNode delta =
            json.createObjectNode().put("type", "input_json_delta").put("partial_json", piece);
        events.add(blockDelta(index, delta, piece.isEmpty() ? Duration.ZERO : perPiece));
      }
      events.add(blockStop(index));
    }
    ObjectNode messageDelta = json.createObjectNode();
    messageDelta.put("type", "message_delta");
    messageDelta
        .putObject("delta")
        .put("stop_reason", stopReason(answer))
        .put("stop_sequence", answer.stopSequence());
    messageDelta.set("usage", usage(request, answer.outputTokens()));
    events.add(TimedEvent.named("message_delta", messageDelta.toString(), Duration.ZERO));
    events.add(TimedEvent.named("message_stop", "{\"type\":\"message_stop\"}", Duration.ZERO));
    return events;
  }

  private TimedEvent blockStart(int index, ObjectNode block) {
    ObjectNode event = json.createObjectNode();
    event.put("type", "content_block_start");
    event.put("index", index);
    event.set("content_block", block);
    return TimedEvent.named("content_block_start", event.toString(), Duration.ZERO);
  }

  private TimedEvent blockDelta(int index, ObjectNode delta, Duration delay) {
    ObjectNode event = json.createObjectNode();
    event.put("type", "content_block_delta");
    event.put("index", index);
    event.set("delta", delta);
    return TimedEvent.named("content_block_delta", event.toString(), delay);
  }

  private TimedEvent blockStop(int index) {
    ObjectNode event = json.createObjectNode();
    event.put("type", "content_block_stop");
    event.put("index", index);
    return TimedEvent.named("content_block_stop", event.toString(), Duration.ZERO);
  }

  private ObjectNode textBlock(String text) {
    ObjectNode block = json.createObjectNode();
    block.put("type", "text");
    block.put("text", text);
    return block;
  }

  private ObjectNode toolUseBlock(String toolUseId, Answer answer, ObjectNode input) {
    ObjectNode block = json.createObjectNode();
    block.put("type", "tool_use");
    block.put("id", toolUseId);
    block.put("name", answer.toolCall().name());
    block.set("input", input);
    block.putObject("caller").put("type", "direct");
    return block;
  }

  /** Usage as Anthropic reports it: {@code input_tokens} excludes cache reads and writes. */
  private ObjectNode usage(AnthropicRequest request, long outputTokens) {
    PromptCacheEmulator.AnthropicCache cache = request.cache();
    ObjectNode usage = json.createObjectNode();
    usage.put("input_tokens", Math.max(0, request.inputTokens() - cache.read() - cache.writes()));
    usage.put("cache_creation_input_tokens", cache.writes());
    usage.put("cache_read_input_tokens", cache.read());
    usage.put("output_tokens", outputTokens);
    return usage;
  }

  /**
   * Failures outside the simulation (an oversized body, a bug) still answer in Anthropic's
   * envelope, never with Spring's default error body.
   */
  @ExceptionHandler(Exception.class)
  Mono<Void> unexpected(ServerWebExchange exchange, Exception e) {
    String requestId = AnthropicHeaders.common(exchange.getResponse().getHeaders());
    if (e instanceof DataBufferLimitException
        || (e instanceof ResponseStatusException status
            && status.getStatusCode().value() == HttpStatus.PAYLOAD_TOO_LARGE.value())) {
      return error(
          exchange,
          requestId,
          new AnthropicError(
              HttpStatus.PAYLOAD_TOO_LARGE,
              "request_too_large",
              "Request exceeds the maximum allowed number of bytes."));
    }
    log.error("Unexpected failure answering {}", ENDPOINT, e);
    return error(exchange, requestId, apiError());
  }

  private Mono<Void> error(ServerWebExchange exchange, String requestId, AnthropicError error) {
    return Wire.json(exchange, error.status(), json.writeValueAsString(error.body(requestId)));
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

  private static AnthropicError apiError() {
    return new AnthropicError(
        HttpStatus.INTERNAL_SERVER_ERROR, "api_error", "Internal server error");
  }

  private static AnthropicError overloaded() {
    return new AnthropicError(AnthropicError.OVERLOADED, "overloaded_error", "Overloaded");
  }

  private static String stopReason(Answer answer) {
    return switch (answer.stop()) {
      case END_TURN -> "end_turn";
      case MAX_TOKENS -> "max_tokens";
      case STOP_SEQUENCE -> "stop_sequence";
      case TOOL_USE -> "tool_use";
    };
  }
}
