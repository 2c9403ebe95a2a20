package dev.tokenwise.router.feedback;

import dev.tokenwise.common.openai.OpenAiError;
import dev.tokenwise.common.quality.QualityFeedback;
import dev.tokenwise.router.cache.ServedSemanticHits;
import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.tenant.Tenant;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/feedback {"request_id","verdict":"good|bad","comment"?}}: a client's verdict on
 * one answer, named by its {@code Tokenwise-Request-Id}. The tenant is the virtual key's, never the
 * body's, so a key can rate only its own tenant's requests (cost-service answers 404 for another
 * tenant's id, the same as for an unknown one).
 *
 * <p>Answers {@code 200
 * {"object":"tokenwise.feedback","request_id","verdict","status":"recorded"}}, or 202 with {@code
 * "status":"pending"} when cost-service has not stored the request's usage event yet (it matches
 * the verdict later). Bad bodies are OpenAI-shaped 400s naming the field.
 *
 * <p>When the request was answered from the semantic cache, the verdict also goes to cache-service
 * as a verdict on the entry that answered it ({@link ServedSemanticHits}), before cost-service is
 * asked.
 */
@Component
class FeedbackHandler {

  static final int MAX_REQUEST_ID = 256;
  static final int MAX_COMMENT = 2000;

  private final VirtualKeyAuthenticator authenticator;
  private final CostFeedbackClient cost;
  private final ServedSemanticHits servedHits;
  private final JsonMapper json;

  FeedbackHandler(
      VirtualKeyAuthenticator authenticator,
      CostFeedbackClient cost,
      ServedSemanticHits servedHits,
      JsonMapper json) {
    this.authenticator = authenticator;
    this.cost = cost;
    this.servedHits = servedHits;
    this.json = json;
  }

  Mono<ServerResponse> handle(ServerRequest request) {
    Tenant tenant;
    try {
      tenant = authenticator.authenticate(request.headers().asHttpHeaders());
    } catch (OpenAiApiException e) {
      return Mono.error(e);
    }
    return request
        .bodyToMono(byte[].class)
        .defaultIfEmpty(new byte[0])
        .map(body -> feedback(body, tenant))
        .flatMap(
            feedback ->
                servedHits
                    .feedback(
                        tenant.id(),
                        feedback.requestId(),
                        QualityFeedback.GOOD.equals(feedback.verdict()))
                    .then(cost.send(feedback))
                    .onErrorMap(
                        e -> !(e instanceof OpenAiApiException),
                        e ->
                            OpenAiApiException.upstreamUnavailable(
                                HttpStatus.SERVICE_UNAVAILABLE,
                                "The feedback service did not answer; retry later."))
                    .flatMap(reply -> answer(feedback, reply)));
  }

  /** The body as cost-service's feedback, with the key's tenant; 400 naming the bad field. */
  QualityFeedback feedback(byte[] body, Tenant tenant) {
    JsonNode node;
    try {
      node = json.readTree(body);
    } catch (JacksonException e) {
      throw OpenAiApiException.invalidRequest(
          "The request body is not valid JSON.", null, "invalid_json");
    }
    if (node == null || !node.isObject()) {
      throw OpenAiApiException.invalidRequest(
          "The request body must be a JSON object.", null, "invalid_type");
    }
    JsonNode id = node.has("request_id") ? node.get("request_id") : node.get("requestId");
    if (id == null || id.isNull()) {
      throw OpenAiApiException.invalidRequest(
          "Missing required parameter: 'request_id'.", "request_id", "missing_required_parameter");
    }
    if (!id.isString()
        || id.asString().isBlank()
        || id.asString().length() > MAX_REQUEST_ID
        || !id.asString().chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
      throw OpenAiApiException.invalidRequest(
          "'request_id' must be the Tokenwise-Request-Id of an answer: 1 to "
              + MAX_REQUEST_ID
              + " printable ASCII characters.",
          "request_id",
          "invalid_value");
    }
    JsonNode verdict = node.get("verdict");
    if (verdict == null || verdict.isNull()) {
      throw OpenAiApiException.invalidRequest(
          "Missing required parameter: 'verdict'.", "verdict", "missing_required_parameter");
    }
    if (!verdict.isString()
        || !(QualityFeedback.GOOD.equals(verdict.asString())
            || QualityFeedback.BAD.equals(verdict.asString()))) {
      throw OpenAiApiException.invalidRequest(
          "'verdict' must be 'good' or 'bad'.", "verdict", "invalid_value");
    }
    JsonNode comment = node.get("comment");
    String text = null;
    if (comment != null && !comment.isNull()) {
      if (!comment.isString() || comment.asString().length() > MAX_COMMENT) {
        throw OpenAiApiException.invalidRequest(
            "'comment' must be a string of at most " + MAX_COMMENT + " characters.",
            "comment",
            "invalid_value");
      }
      text = comment.asString();
    }
    return new QualityFeedback(id.asString(), verdict.asString(), text, tenant.id());
  }

  private Mono<ServerResponse> answer(QualityFeedback feedback, CostFeedbackClient.Reply reply) {
    int status = reply.status().value();
    if (status == 200 || status == 202) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("object", "tokenwise.feedback");
      body.put("request_id", feedback.requestId());
      body.put("verdict", feedback.verdict());
      body.put("status", status == 200 ? "recorded" : "pending");
      return ServerResponse.status(status).contentType(MediaType.APPLICATION_JSON).bodyValue(body);
    }
    if (status == 404) {
      return Mono.error(
          new OpenAiApiException(
              HttpStatus.NOT_FOUND,
              "No request with id '" + feedback.requestId() + "' was answered for this API key.",
              OpenAiError.INVALID_REQUEST,
              "request_id",
              "request_not_found"));
    }
    if (status == 400) {
      // cost-service's problem names the field in its own spelling
      String field = problemField(reply.body());
      String param = "requestId".equals(field) ? "request_id" : field;
      return Mono.error(
          OpenAiApiException.invalidRequest(
              problemDetail(reply.body(), "The feedback was refused."), param, "invalid_value"));
    }
    return Mono.error(
        OpenAiApiException.upstreamUnavailable(
            HttpStatus.BAD_GATEWAY, "The feedback service failed (HTTP " + status + ")."));
  }

  private String problemField(byte[] body) {
    try {
      JsonNode field = json.readTree(body).get("field");
      return field == null || !field.isString() ? null : field.asString();
    } catch (JacksonException e) {
      return null;
    }
  }

  private String problemDetail(byte[] body, String fallback) {
    try {
      JsonNode detail = json.readTree(body).get("detail");
      return detail == null || !detail.isString() ? fallback : detail.asString();
    } catch (JacksonException e) {
      return fallback;
    }
  }
}
