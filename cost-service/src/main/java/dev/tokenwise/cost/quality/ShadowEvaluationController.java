package dev.tokenwise.cost.quality;

import dev.tokenwise.common.quality.RouteAdvice;
import dev.tokenwise.common.quality.ShadowRegistration;
import dev.tokenwise.common.quality.ShadowRegistration.Registered;
import dev.tokenwise.common.security.CallerNotAllowedException;
import dev.tokenwise.common.security.ServiceAuthServletFilter;
import dev.tokenwise.cost.quality.QualityStore.Verdict;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Shadow evaluation through batch-service (cost-service's README, "Quality loop"). The router holds
 * the request, so it samples: it hands the sampled request to batch-service's {@code POST
 * /internal/deferred} with the route's reference model and a {@code webhookUrl} of {@code
 * /api/quality/shadow-results/{shadowId}}, then registers it here with the answer it served and the
 * job id batch-service gave ({@code POST /api/quality/shadow-requests}). batch-service answers it
 * at batch price and delivers the job JSON, signed over the job id and body; this controller checks
 * the signature and that the job is the one registered for the path, judges the two answers with
 * the configured {@link ShadowJudge} and records a {@code shadow} verdict for the request, which
 * feeds the route's regression rate and advice. A delivery before the registration is answered 404,
 * and batch-service retries it.
 *
 * <p>The replay's own usage event (request id + {@value #SHADOW_SUFFIX}, mode {@code batch}) is
 * billed spend but not a client request: ingest keeps it out of the rollups the five metrics read
 * ({@code RollupStore}).
 */
@RestController
@Tag(name = "Quality", description = "Feedback, shadow evaluation, regression rate, route advice")
class ShadowEvaluationController {

  private static final Logger log = LoggerFactory.getLogger(ShadowEvaluationController.class);

  /** Ends the request id of a replay's usage event: it answers no client request. */
  static final String SHADOW_SUFFIX = ":shadow";

  static final String WEBHOOK_ID = "Tokenwise-Webhook-Id";
  static final String WEBHOOK_TIMESTAMP = "Tokenwise-Webhook-Timestamp";
  static final String WEBHOOK_SIGNATURE = "Tokenwise-Webhook-Signature";

  static final URI INVALID_SHADOW = URI.create("https://tokenwise.dev/problems/invalid-shadow");
  static final URI UNKNOWN_SHADOW = URI.create("https://tokenwise.dev/problems/unknown-shadow");
  static final URI BAD_SIGNATURE =
      URI.create("https://tokenwise.dev/problems/invalid-webhook-signature");
  static final URI SHADOW_CONFLICT = URI.create("https://tokenwise.dev/problems/shadow-conflict");

  private static final Set<String> REASONS = Set.of("cache-exact", "cache-semantic", "routed-down");

  private final ShadowStore shadows;
  private final QualityStore verdicts;
  private final RouteAdvisor advisor;
  private final ShadowJudge judge;
  private final ShadowProperties properties;
  private final QualityProperties quality;
  private final TransactionTemplate transaction;
  private final JsonMapper json;
  private final QualityMeters meters;
  private final Clock clock = Clock.systemUTC();

  ShadowEvaluationController(
      ShadowStore shadows,
      QualityStore verdicts,
      RouteAdvisor advisor,
      ShadowJudge judge,
      ShadowProperties properties,
      QualityProperties quality,
      TransactionTemplate transaction,
      JsonMapper json,
      QualityMeters meters) {
    this.shadows = shadows;
    this.verdicts = verdicts;
    this.advisor = advisor;
    this.judge = judge;
    this.properties = properties;
    this.quality = quality;
    this.transaction = transaction;
    this.json = json;
    this.meters = meters;
  }

  @PostMapping("/api/quality/shadow-requests")
  @Operation(
      summary = "Register a sampled request for shadow evaluation",
      description =
          "The router registers the answer it served before it hands the request to"
              + " batch-service with webhookUrl /api/quality/shadow-results/{shadowId}.")
  ResponseEntity<Registered> register(
      @RequestBody ShadowRegistration body, HttpServletRequest request) {
    require(body != null, null, "body must be a JSON object");
    UUID id = uuid(body.shadowId());
    require(notBlank(body.requestId()), "requestId", "required");
    require(notBlank(body.tenant()), "tenant", "required");
    CallerNotAllowedException.requireTenant(
        ServiceAuthServletFilter.caller(request), body.tenant());
    require(body.route() != null, "route", "required");
    require(body.reason() != null && REASONS.contains(body.reason()), "reason", "unknown reason");
    require(notBlank(body.referenceModel()), "referenceModel", "required");
    require(body.servedAnswer() != null, "servedAnswer", "required");
    require(
        body.servedAnswer().length() <= properties.maxAnswerChars(),
        "servedAnswer",
        "at most " + properties.maxAnswerChars() + " characters");
    boolean created =
        shadows.register(
            new ShadowStore.Registration(
                id,
                body.requestId(),
                body.tenant(),
                body.route(),
                body.reason(),
                body.servedModel(),
                body.referenceModel(),
                body.servedAnswer(),
                notBlank(body.jobId()) ? body.jobId() : null));
    return ResponseEntity.status(created ? HttpStatus.CREATED : HttpStatus.OK)
        .body(new Registered(id.toString(), "registered"));
  }

  /**
   * @param status {@code judged}, {@code duplicate} (this job was delivered before) or {@code
   *     failed} (the replay failed; no verdict)
   */
  record Judged(
      String shadowId,
      String requestId,
      String route,
      String status,
      Double similarity,
      String verdict,
      String judge,
      RouteAdvice advice) {}

  @PostMapping("/api/quality/shadow-results/{shadowId}")
  @Operation(
      summary = "batch-service's webhook for a shadow replay",
      description =
          "The job JSON of the replay, signed (Tokenwise-Webhook-Signature: v1=HMAC-SHA256 of"
              + " id.timestamp.body). The reference answer is judged against the served one and"
              + " a shadow verdict recorded.")
  ResponseEntity<Judged> result(
      @PathVariable("shadowId") String shadowId,
      @RequestHeader(name = WEBHOOK_ID, required = false) String webhookId,
      @RequestHeader(name = WEBHOOK_TIMESTAMP, required = false) String timestamp,
      @RequestHeader(name = WEBHOOK_SIGNATURE, required = false) String signature,
      @RequestBody byte[] raw) {
    String body = new String(raw, StandardCharsets.UTF_8);
    if (!properties.webhookSecret().isPresent()
        || !verify(properties.webhookSecret().value(), webhookId, timestamp, signature, body)) {
      throw new BadSignatureException();
    }
    UUID id = uuid(shadowId);
    JsonNode job;
    try {
      job = json.readTree(body);
    } catch (JacksonException e) {
      throw new InvalidShadowException(null, "body is not JSON");
    }
    require(job != null && job.isObject(), null, "body must be the job JSON object");
    require(webhookId.equals(job.path("id").asString(null)), "id", "must equal the webhook id");
    ShadowStore.Pending pending =
        shadows.find(id).orElseThrow(() -> new UnknownShadowException(shadowId));
    ShadowStore.Registration r = pending.registration();
    if (pending.jobId() != null && !pending.jobId().equals(webhookId)) {
      // An authentic delivery of some other job, replayed to this path.
      throw new ShadowConflictException(
          "shadow " + shadowId + " expects job " + pending.jobId() + ", not " + webhookId);
    }
    if (pending.completed()) {
      return ResponseEntity.ok(
          new Judged(
              shadowId, r.requestId(), r.route(), "duplicate", null, null, judge.name(), null));
    }
    // The webhook carries id, status and result; the job view (GET /v1/jobs/{id}) also route and
    // model, which must then be the registered ones.
    String route = job.path("route").asString(null);
    String model = job.path("model").asString(null);
    if ((route != null && !r.route().equals(route))
        || (model != null && !r.referenceModel().equals(model))) {
      throw new ShadowConflictException(
          "job " + webhookId + " replayed route " + route + " / model " + model + ", not this one");
    }
    String status = job.path("status").asString("");
    Judged judged =
        transaction.execute(
            tx -> {
              if (!shadows.claim(id, webhookId)) {
                throw new ShadowConflictException("shadow " + shadowId + " is being judged");
              }
              Optional<String> reference = answerText(job.path("result"));
              if (!"succeeded".equals(status) || reference.isEmpty()) {
                shadows.complete(id, "failed", null);
                log.info(
                    "Shadow replay {} of request {} ended {} without an answer; no verdict",
                    webhookId,
                    r.requestId(),
                    status);
                return new Judged(
                    shadowId, r.requestId(), r.route(), "failed", null, null, judge.name(), null);
              }
              double similarity = judge.similarity(r.servedAnswer(), reference.get());
              boolean bad = similarity < quality.similarityThreshold();
              verdicts.save(
                  new Verdict(
                      r.requestId(),
                      "shadow",
                      r.tenant(),
                      r.route(),
                      bad,
                      similarity,
                      judge.name(),
                      null));
              shadows.complete(id, "judged", similarity);
              return new Judged(
                  shadowId,
                  r.requestId(),
                  r.route(),
                  "judged",
                  similarity,
                  bad ? "bad" : "good",
                  judge.name(),
                  null);
            });
    meters.shadow(r.route(), "judged".equals(judged.status()) ? judged.verdict() : "failed");
    if (!"judged".equals(judged.status())) {
      return ResponseEntity.ok(judged);
    }
    RouteAdvice advice = advisor.evaluate(List.of(r.route())).get(0);
    return ResponseEntity.ok(
        new Judged(
            judged.shadowId(),
            judged.requestId(),
            judged.route(),
            judged.status(),
            judged.similarity(),
            judged.verdict(),
            judged.judge(),
            advice));
  }

  /** The text of a {@code chat.completion} (or an Anthropic {@code message}). */
  static Optional<String> answerText(JsonNode result) {
    JsonNode content = result.path("choices").path(0).path("message").path("content");
    if (content.isString()) {
      return Optional.of(content.asString());
    }
    JsonNode parts = content.isArray() ? content : result.path("content");
    if (parts.isArray()) {
      StringBuilder text = new StringBuilder();
      for (JsonNode part : parts) {
        if (part.path("text").isString()) {
          text.append(part.path("text").asString());
        }
      }
      return Optional.of(text.toString());
    }
    return Optional.empty();
  }

  /** batch-service's {@code WebhookSignature.verify}: HMAC-SHA256 of "id.timestamp.body", fresh. */
  boolean verify(String secret, String id, String timestamp, String signature, String body) {
    if (id == null || timestamp == null || signature == null) {
      return false;
    }
    long seconds;
    try {
      seconds = Long.parseLong(timestamp);
    } catch (NumberFormatException e) {
      return false;
    }
    if (Math.abs(clock.instant().getEpochSecond() - seconds) > properties.tolerance().toSeconds()) {
      return false;
    }
    byte[] expected = sign(secret, id, seconds, body).getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.UTF_8));
  }

  static String sign(String secret, String id, long timestamp, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
      return "v1=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is required of every JVM", e);
    }
  }

  private static UUID uuid(String value) {
    try {
      return UUID.fromString(value == null ? "" : value);
    } catch (IllegalArgumentException e) {
      throw new InvalidShadowException("shadowId", "must be a UUID");
    }
  }

  private static void require(boolean ok, String field, String message) {
    if (!ok) {
      throw new InvalidShadowException(field, message);
    }
  }

  private static boolean notBlank(String value) {
    return value != null && !value.isBlank();
  }

  @ExceptionHandler(InvalidShadowException.class)
  ProblemDetail invalid(InvalidShadowException e) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.BAD_REQUEST,
            e.field == null ? e.getMessage() : e.field + ": " + e.getMessage());
    problem.setType(INVALID_SHADOW);
    problem.setTitle("Invalid shadow evaluation");
    if (e.field != null) {
      problem.setProperty("field", e.field);
    }
    return problem;
  }

  @ExceptionHandler(UnknownShadowException.class)
  ProblemDetail unknown(UnknownShadowException e) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, e.getMessage());
    problem.setType(UNKNOWN_SHADOW);
    problem.setTitle("Unknown shadow evaluation");
    return problem;
  }

  @ExceptionHandler(BadSignatureException.class)
  ProblemDetail badSignature(BadSignatureException e) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.UNAUTHORIZED,
            "missing, stale or wrong Tokenwise-Webhook-Signature (or no webhook secret configured)");
    problem.setType(BAD_SIGNATURE);
    problem.setTitle("Invalid webhook signature");
    return problem;
  }

  @ExceptionHandler(ShadowConflictException.class)
  ProblemDetail conflict(ShadowConflictException e) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, e.getMessage());
    problem.setType(SHADOW_CONFLICT);
    problem.setTitle("Shadow evaluation conflict");
    return problem;
  }

  static final class InvalidShadowException extends RuntimeException {
    private final String field;

    InvalidShadowException(String field, String message) {
      super(message);
      this.field = field;
    }
  }

  static final class UnknownShadowException extends RuntimeException {
    UnknownShadowException(String shadowId) {
      super("no shadow evaluation " + shadowId);
    }
  }

  static final class BadSignatureException extends RuntimeException {}

  static final class ShadowConflictException extends RuntimeException {
    ShadowConflictException(String message) {
      super(message);
    }
  }
}
