package dev.tokenwise.batch.intake;

import dev.tokenwise.common.security.ServiceAuthServletFilter;
import dev.tokenwise.common.security.ServiceCaller;
import jakarta.servlet.http.HttpServletRequest;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /v1/jobs/{id}}: a deferred request's status and, when done, its result in the client's
 * format (a chat completion or a message) or the reason it failed. Unknown ids are an OpenAI-shaped
 * 404.
 */
@RestController
class JobsController {

  private final DeferredRequests requests;
  private final JsonMapper json;

  JobsController(DeferredRequests requests, JsonMapper json) {
    this.requests = requests;
    this.json = json;
  }

  @GetMapping("/v1/jobs/{id}")
  ResponseEntity<String> job(@PathVariable("id") String id, HttpServletRequest request) {
    ServiceCaller caller = ServiceAuthServletFilter.caller(request);
    UUID uuid;
    try {
      uuid = UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      return notFound(id);
    }
    return requests
        .find(uuid)
        // another tenant's job is as absent as one that never existed
        .filter(job -> caller != null && caller.mayActFor(job.tenant()))
        .map(job -> ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(view(job)))
        .orElseGet(() -> notFound(id));
  }

  private String view(DeferredRequests.Job job) {
    ObjectNode view = json.createObjectNode();
    view.put("id", job.id().toString());
    view.put("object", "tokenwise.job");
    view.put("status", publicStatus(job.status()));
    view.put("route", job.route());
    view.put("provider", job.provider());
    view.put("model", job.model());
    view.put("clientFormat", job.clientFormat());
    view.put("createdAt", job.createdAt().toString());
    view.put("completedAt", job.completedAt() == null ? null : job.completedAt().toString());
    view.put("attempts", job.attempts());
    view.put("answeredBy", job.answeredBy());
    view.set("result", job.result() == null ? null : json.readTree(job.result()));
    if (job.error() != null) {
      view.putObject("error").put("message", job.error());
    } else {
      view.putNull("error");
    }
    if (job.webhookState() != null) {
      view.put("webhook", job.webhookState());
    }
    return view.toString();
  }

  /** Internal steps (assigned, submitted) are all "in_progress" to the client. */
  private static String publicStatus(String status) {
    return switch (status) {
      case "queued", "succeeded", "failed" -> status;
      default -> "in_progress";
    };
  }

  private ResponseEntity<String> notFound(String id) {
    ObjectNode body = json.createObjectNode();
    ObjectNode error = body.putObject("error");
    error.put("message", "No job found with id '" + id + "'.");
    error.put("type", "invalid_request_error");
    error.put("param", "id");
    error.put("code", "job_not_found");
    return ResponseEntity.status(HttpStatus.NOT_FOUND)
        .contentType(MediaType.APPLICATION_JSON)
        .body(body.toString());
  }
}
