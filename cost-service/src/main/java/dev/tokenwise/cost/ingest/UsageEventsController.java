package dev.tokenwise.cost.ingest;

import dev.tokenwise.common.security.CallerNotAllowedException;
import dev.tokenwise.common.security.ServiceAuthServletFilter;
import dev.tokenwise.common.security.ServiceCaller;
import dev.tokenwise.common.usage.UsageEvent;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /api/events}: usage events from producers outside Tokenwise, one event object or an
 * array of them. The body is checked whole before anything is stored, then ingested through the
 * same path as the stream, so posting an event twice stores it once.
 */
@RestController
@RequestMapping("/api/events")
class UsageEventsController {

  static final URI INVALID_EVENT = URI.create("https://tokenwise.dev/problems/invalid-usage-event");

  private final UsageEventReader reader;
  private final UsageIngester ingester;
  private final IngestProperties properties;

  UsageEventsController(
      UsageEventReader reader, UsageIngester ingester, IngestProperties properties) {
    this.reader = reader;
    this.ingester = ingester;
    this.properties = properties;
  }

  /** How many events the body held, how many were new, how many were already stored. */
  record Ingested(int received, int stored, int duplicates) {}

  @PostMapping
  Ingested ingest(@RequestBody JsonNode body, HttpServletRequest request) {
    if (body.isArray() && body.size() > properties.maxEventsPerRequest()) {
      throw new InvalidUsageEventException(
          null, "at most " + properties.maxEventsPerRequest() + " events per request");
    }
    List<UsageEvent> events = reader.readAll(body);
    ServiceCaller caller = ServiceAuthServletFilter.caller(request);
    for (UsageEvent event : events) {
      // one event for another tenant refuses the whole body: nothing is stored
      CallerNotAllowedException.requireTenant(caller, event.tenant());
    }
    int stored = ingester.ingest(events);
    return new Ingested(events.size(), stored, events.size() - stored);
  }

  @ExceptionHandler(InvalidUsageEventException.class)
  ProblemDetail invalid(InvalidUsageEventException e) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.reason());
    problem.setType(INVALID_EVENT);
    problem.setTitle("Invalid usage event");
    if (e.field() != null) {
      problem.setProperty("field", e.field());
    }
    return problem;
  }

  @ExceptionHandler(HttpMessageNotReadableException.class)
  ProblemDetail unreadable(HttpMessageNotReadableException e) {
    return invalid(new InvalidUsageEventException(null, "body is not valid JSON"));
  }
}
