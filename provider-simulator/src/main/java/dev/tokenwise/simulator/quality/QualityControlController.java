package dev.tokenwise.simulator.quality;

import java.net.URI;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Lets tests and demos read the quality world's truth: {@code GET
 * /simulator/quality?model=&prompt=} (or {@code POST} with {@code {"model","prompt"}} for long
 * prompts) tells whether the model answers that prompt right and with what; {@code GET
 * /simulator/quality/served} counts the right and wrong answers served per model family ({@code
 * POST /simulator/reset} clears them). Errors are RFC 9457 problem details.
 */
@RestController
class QualityControlController {

  private final QualityWorld world;

  QualityControlController(QualityWorld world) {
    this.world = world;
  }

  /**
   * A question about the truth.
   *
   * @param model a model id any simulated provider serves
   * @param prompt the text of the last user message
   */
  record Query(String model, String prompt) {}

  @GetMapping("/simulator/quality")
  ResponseEntity<?> truth(
      @RequestParam(required = false) String model, @RequestParam(required = false) String prompt) {
    return truth(new Query(model, prompt));
  }

  @PostMapping("/simulator/quality")
  ResponseEntity<?> truth(@RequestBody Query query) {
    if (query.model() == null || query.model().isBlank() || query.prompt() == null) {
      return problem(HttpStatus.BAD_REQUEST, "model and prompt are required");
    }
    if (!world.knows(query.model())) {
      return problem(HttpStatus.NOT_FOUND, "no simulated provider serves " + query.model());
    }
    return ResponseEntity.ok(world.truth(query.model(), query.prompt()));
  }

  @GetMapping("/simulator/quality/served")
  Map<String, QualityWorld.Served> served() {
    return world.served();
  }

  private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setType(URI.create("https://tokenwise.dev/problems/invalid-quality-query"));
    problem.setTitle("Invalid quality query");
    return ResponseEntity.status(status).body(problem);
  }
}
