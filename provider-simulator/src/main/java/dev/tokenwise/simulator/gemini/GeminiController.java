package dev.tokenwise.simulator.gemini;

import dev.tokenwise.common.gemini.GeminiContent;
import dev.tokenwise.common.gemini.GeminiCountTokensResponse;
import dev.tokenwise.common.gemini.GeminiGenerateContentResponse;
import dev.tokenwise.common.gemini.GeminiPart;
import dev.tokenwise.common.gemini.GeminiUsageMetadata;
import dev.tokenwise.simulator.answer.Answer;
import dev.tokenwise.simulator.answer.AnswerComposer;
import dev.tokenwise.simulator.fault.Fault;
import dev.tokenwise.simulator.fault.FaultPlanner;
import dev.tokenwise.simulator.fault.Pacing;
import dev.tokenwise.simulator.model.ModelCatalog;
import dev.tokenwise.simulator.model.ModelCatalog.Provider;
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
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
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
 * Gemini's {@code POST /v1beta/models/{model}:generateContent}, {@code :streamGenerateContent}
 * ({@code ?alt=sse}: one {@code data:} event per {@code GenerateContentResponse} chunk, usage
 * complete in the last), {@code :countTokens}, and {@code GET /v1beta/models}. The key comes in
 * {@code x-goog-api-key} or {@code ?key=} (https://ai.google.dev/api#authentication).
 */
@RestController
class GeminiController {

  static final String GENERATE = "POST /v1beta/models/{model}:generateContent";
  static final String STREAM = "POST /v1beta/models/{model}:streamGenerateContent";
  static final String COUNT = "POST /v1beta/models/{model}:countTokens";
  static final String LIST = "GET /v1beta/models";

  private static final Logger log = LoggerFactory.getLogger(GeminiController.class);

  /** Context and output limits Google lists for the Gemini 2.5 models. */
  private static final long INPUT_TOKEN_LIMIT = 1_048_576;

  private static final long OUTPUT_TOKEN_LIMIT = 65_536;

  private final JsonMapper json;
  private final AnswerComposer answers;
  private final ModelCatalog models;
  private final FaultPlanner faults;
  private final RequestLog requests;

  GeminiController(
      JsonMapper json,
      AnswerComposer answers,
      ModelCatalog models,
      FaultPlanner faults,
      RequestLog requests) {
    this.json = json;
    this.answers = answers;
    this.models = models;
    this.faults = faults;
    this.requests = requests;
  }

  /**
   * {@code {model}:{method}}: the method follows the last colon of the path segment. Both API
   * versions are served alike: Google's Java SDK 2.x calls {@code /v1} by default, REST samples
   * {@code /v1beta}.
   */
  @PostMapping({"/v1beta/models/{call}", "/v1/models/{call}"})
  Mono<Void> call(
      ServerWebExchange exchange,
      @PathVariable String call,
      @RequestBody(required = false) String body) {
    // Parsing, token counting and composing grow with the prompt: CPU work, kept off the event
    // loop.
    return Mono.defer(() -> handle(exchange, call, body)).subscribeOn(Schedulers.parallel());
  }

  /**
   * On {@code /v1} the path is OpenAI's too: a Gemini client is told apart by its key header (the
   * second condition makes this mapping the more specific one).
   */
  @GetMapping("/v1beta/models")
  Mono<Void> listBeta(ServerWebExchange exchange) {
    return list(exchange);
  }

  @GetMapping(
      path = "/v1/models",
      headers = {"x-goog-api-key", "!anthropic-version"})
  Mono<Void> list(ServerWebExchange exchange) {
    requests.record(LIST, exchange.getRequest().getHeaders());
    try {
      requireKey(exchange);
    } catch (GeminiApiError e) {
      return error(exchange, e);
    }
    ObjectNode list = json.createObjectNode();
    ArrayNode data = list.putArray("models");
    models.ids(Provider.GEMINI).forEach(id -> data.add(model(id)));
    return Wire.json(exchange, HttpStatus.OK, json.writeValueAsString(list));
  }

  @GetMapping("/v1beta/models/{model}")
  Mono<Void> retrieveBeta(ServerWebExchange exchange, @PathVariable String model) {
    return retrieve(exchange, model);
  }

  @GetMapping(
      path = "/v1/models/{model}",
      headers = {"x-goog-api-key", "!anthropic-version"})
  Mono<Void> retrieve(ServerWebExchange exchange, @PathVariable String model) {
    requests.record(LIST + "/{model}", exchange.getRequest().getHeaders());
    try {
      requireKey(exchange);
      requireKnown(model, "get");
    } catch (GeminiApiError e) {
      return error(exchange, e);
    }
    return Wire.json(exchange, HttpStatus.OK, json.writeValueAsString(model(model)));
  }

  private Mono<Void> handle(ServerWebExchange exchange, String call, String body) {
    HttpHeaders headers = exchange.getRequest().getHeaders();
    int colon = call.lastIndexOf(':');
    String model = colon < 0 ? call : call.substring(0, colon);
    String method = colon < 0 ? "" : call.substring(colon + 1);
    String endpoint =
        switch (method) {
          case "generateContent" -> GENERATE;
          case "streamGenerateContent" -> STREAM;
          case "countTokens" -> COUNT;
          default -> "POST /v1beta/models/{model}:" + method;
        };
    JsonNode tree = readTree(body);
    requests.record(endpoint, headers, tree, body == null ? 0 : body.length());
    try {
      requireKey(exchange);
      if (endpoint.equals(COUNT)) {
        return count(exchange, model, tree);
      }
      if (!endpoint.equals(GENERATE) && !endpoint.equals(STREAM)) {
        throw new GeminiApiError(
            HttpStatus.NOT_FOUND,
            "Method not found: models/" + model + ":" + method + " is not a supported method.");
      }
      String served = requireKnown(model, method);
      if (tree == null) {
        throw GeminiApiError.invalidArgument(
            "Invalid JSON payload received. Unexpected token in the request body.");
      }
      GeminiRequest request =
          GeminiRequest.parse(tree, model, AnswerComposer.answerTokens(headers));
      boolean stream = endpoint.equals(STREAM);
      Pacing pacing = faults.pacingFor(headers);
      Optional<Fault> fault =
          faults.faultFor(headers, endpoint, Set.copyOf(List.of(model, served)));
      if (fault.isPresent() && fault.get() == Fault.SLOW_FIRST_BYTE) {
        return Mono.delay(faults.slowFirstByte())
            .then(Mono.defer(() -> answer(exchange, request, served, stream, pacing, null)));
      }
      return answer(exchange, request, served, stream, pacing, fault.orElse(null));
    } catch (GeminiApiError e) {
      return error(exchange, e);
    } catch (BadSimulatorHeader e) {
      return error(exchange, GeminiApiError.invalidArgument(e.getMessage()));
    }
  }

  /**
   * The tokens of {@code contents} (or of {@code generateContentRequest}, the form that also counts
   * system instruction and tools), nothing generated.
   */
  private Mono<Void> count(ServerWebExchange exchange, String model, JsonNode tree) {
    requireKnown(model, "countTokens");
    if (tree == null) {
      throw GeminiApiError.invalidArgument(
          "Invalid JSON payload received. Unexpected token in the request body.");
    }
    JsonNode request = GeminiRequest.field(tree, "generateContentRequest");
    GeminiRequest parsed = GeminiRequest.parse(request.isObject() ? request : tree, model, null);
    return Wire.json(
        exchange,
        HttpStatus.OK,
        json.writeValueAsString(new GeminiCountTokensResponse(parsed.promptTokens(), null, null)));
  }

  private Mono<Void> answer(
      ServerWebExchange exchange,
      GeminiRequest request,
      String served,
      boolean stream,
      Pacing pacing,
      Fault fault) {
    if (fault != null) {
      switch (fault) {
        case RATE_LIMITED -> {
          return error(exchange, rateLimited());
        }
        case SERVER_ERROR -> {
          return error(exchange, internal());
        }
        case UNAVAILABLE, OVERLOADED -> {
          // Gemini has no 529: an overloaded model is a 503 UNAVAILABLE.
          return error(exchange, overloaded());
        }
        case CONNECTION_RESET -> {
          if (!stream) {
            return Wire.<Void>reset(exchange).then();
          }
        }
        case STREAM_ERROR -> {
          if (!stream) {
            return error(exchange, overloaded());
          }
        }
        case SLOW_FIRST_BYTE -> {}
      }
    }
    Answer answer = answers.compose(request.prompt());
    String responseId = Wire.randomId("", 22);
    if (!stream) {
      String body =
          json.writeValueAsString(
              response(
                  parts(answer),
                  finishReason(answer),
                  usage(request, answer.outputTokens()),
                  served,
                  responseId));
      Duration generation = pacing.timeToFirstToken().plus(pacing.forTokens(answer.outputTokens()));
      return Mono.delay(generation)
          .then(Mono.defer(() -> Wire.json(exchange, HttpStatus.OK, body)));
    }
    List<TimedEvent> events = events(request, answer, served, responseId, pacing);
    Flux<String> played;
    if (fault == Fault.CONNECTION_RESET || fault == Fault.STREAM_ERROR) {
      int kept = Math.min(faults.eventsBeforeReset(), events.size() - 1);
      played = TimedEvent.play(events.subList(0, kept));
      played =
          fault == Fault.CONNECTION_RESET
              ? played.concatWith(Wire.reset(exchange))
              : played.concatWith(
                  Flux.just(
                      TimedEvent.data(json.writeValueAsString(overloaded().body()), Duration.ZERO)
                          .text()));
    } else {
      played = TimedEvent.play(events);
    }
    return Wire.eventStream(exchange, played);
  }

  /**
   * One chunk per word of text with the prompt count so far, a function call whole in one chunk,
   * and the finish reason with the complete usage in the last, as the live API streams.
   */
  private List<TimedEvent> events(
      GeminiRequest request, Answer answer, String served, String responseId, Pacing pacing) {
    List<TimedEvent> events = new ArrayList<>();
    List<String> pieces = answer.textPieces();
    int count = Math.max(1, pieces.size() + (answer.toolCall() == null ? 0 : 1));
    Duration perPiece = pacing.forTokens(answer.outputTokens()).dividedBy(count);
    GeminiUsageMetadata partial =
        new GeminiUsageMetadata(
            request.promptTokens(), null, null, null, null, request.promptTokens(), null);
    List<List<GeminiPart>> chunks = new ArrayList<>();
    pieces.forEach(piece -> chunks.add(List.of(GeminiPart.text(piece))));
    if (answer.toolCall() != null) {
      chunks.add(List.of(toolCall(answer)));
    }
    if (chunks.isEmpty()) {
      chunks.add(List.of(GeminiPart.text("")));
    }
    for (int i = 0; i < chunks.size(); i++) {
      boolean last = i == chunks.size() - 1;
      GeminiGenerateContentResponse chunk =
          response(
              chunks.get(i),
              last ? finishReason(answer) : null,
              last ? usage(request, answer.outputTokens()) : partial,
              served,
              responseId);
      Duration delay = i == 0 ? pacing.timeToFirstToken().plus(perPiece) : perPiece;
      events.add(TimedEvent.data(json.writeValueAsString(chunk), delay));
    }
    return events;
  }

  private static List<GeminiPart> parts(Answer answer) {
    List<GeminiPart> parts = new ArrayList<>();
    if (!answer.text().isEmpty() || answer.toolCall() == null) {
      parts.add(GeminiPart.text(answer.text()));
    }
    if (answer.toolCall() != null) {
      parts.add(toolCall(answer));
    }
    return parts;
  }

  /** Gemini 2.5 sends no call id; the client answers by function name. */
  private static GeminiPart toolCall(Answer answer) {
    return GeminiPart.functionCall(null, answer.toolCall().name(), answer.toolCall().input());
  }

  private static GeminiGenerateContentResponse response(
      List<GeminiPart> parts,
      String finishReason,
      GeminiUsageMetadata usage,
      String served,
      String responseId) {
    return new GeminiGenerateContentResponse(
        List.of(
            new GeminiGenerateContentResponse.Candidate(
                GeminiContent.of(GeminiContent.MODEL, parts), finishReason, 0, null)),
        null,
        usage,
        served,
        responseId,
        null);
  }

  /** Usage as Gemini reports it; no implicit-cache hits are emulated, so no cached count. */
  private static GeminiUsageMetadata usage(GeminiRequest request, long outputTokens) {
    return GeminiUsageMetadata.of(request.promptTokens(), 0, outputTokens, 0);
  }

  /** A stop sequence or a function call ends with {@code STOP}, as Gemini reports them. */
  private static String finishReason(Answer answer) {
    return answer.stop() == Answer.Stop.MAX_TOKENS ? "MAX_TOKENS" : "STOP";
  }

  private void requireKey(ServerWebExchange exchange) {
    String key = exchange.getRequest().getHeaders().getFirst("x-goog-api-key");
    if (key == null || key.isBlank()) {
      key = exchange.getRequest().getQueryParams().getFirst("key");
    }
    if (key != null && !key.isBlank()) {
      return;
    }
    if (exchange.getRequest().getHeaders().containsHeader(HttpHeaders.AUTHORIZATION)) {
      throw new GeminiApiError(
          HttpStatus.UNAUTHORIZED,
          "Request had invalid authentication credentials. Expected OAuth 2 access token, login"
              + " cookie or other valid authentication credential.");
    }
    throw new GeminiApiError(
        HttpStatus.FORBIDDEN,
        "Method doesn't allow unregistered callers (callers without established identity)."
            + " Please use API Key or other form of API consumer identity to call this API.");
  }

  private String requireKnown(String model, String method) {
    return models
        .resolve(Provider.GEMINI, model)
        .orElseThrow(
            () ->
                new GeminiApiError(
                    HttpStatus.NOT_FOUND,
                    "models/"
                        + model
                        + " is not found for API version v1beta, or is not supported for "
                        + method
                        + ". Call ListModels to see the list of available models and their"
                        + " supported methods."));
  }

  private ObjectNode model(String id) {
    ObjectNode model = json.createObjectNode();
    model.put("name", "models/" + id);
    model.put("version", "001");
    model.put("displayName", id);
    model.put("inputTokenLimit", INPUT_TOKEN_LIMIT);
    model.put("outputTokenLimit", OUTPUT_TOKEN_LIMIT);
    ArrayNode methods = model.putArray("supportedGenerationMethods");
    methods.add("generateContent");
    methods.add("countTokens");
    return model;
  }

  /**
   * Failures outside the simulation (an oversized body, a bug) still answer in Google's envelope,
   * never with Spring's default error body.
   */
  @ExceptionHandler(Exception.class)
  Mono<Void> unexpected(ServerWebExchange exchange, Exception e) {
    if (e instanceof DataBufferLimitException
        || (e instanceof ResponseStatusException status
            && status.getStatusCode().value() == HttpStatus.PAYLOAD_TOO_LARGE.value())) {
      return error(
          exchange,
          new GeminiApiError(
              HttpStatus.PAYLOAD_TOO_LARGE, "Request payload size exceeds the limit."));
    }
    log.error("Unexpected failure answering a Gemini request", e);
    return error(exchange, internal());
  }

  private Mono<Void> error(ServerWebExchange exchange, GeminiApiError error) {
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

  private static GeminiApiError rateLimited() {
    return new GeminiApiError(
        HttpStatus.TOO_MANY_REQUESTS,
        "You exceeded your current quota, please check your plan and billing details.");
  }

  private static GeminiApiError internal() {
    return new GeminiApiError(
        HttpStatus.INTERNAL_SERVER_ERROR,
        "An internal error has occurred. Please retry or report in"
            + " https://developers.generativeai.google/guide/troubleshooting");
  }

  private static GeminiApiError overloaded() {
    return new GeminiApiError(
        HttpStatus.SERVICE_UNAVAILABLE, "The model is overloaded. Please try again later.");
  }
}
