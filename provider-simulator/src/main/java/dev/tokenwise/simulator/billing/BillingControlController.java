package dev.tokenwise.simulator.billing;

import java.math.BigDecimal;
import java.net.URI;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Lets tests make the providers' reports disagree with what a client saw: {@code POST
 * /simulator/billing/discrepancies}, {@code GET} to list the active ones, {@code DELETE} to clear
 * them and the billed lines. Errors are RFC 9457 problem details.
 */
@RestController
class BillingControlController {

  private static final int MAX_COUNT = 10_000;

  private final BillingLedger ledger;

  BillingControlController(BillingLedger ledger) {
    this.ledger = ledger;
  }

  /**
   * What to inject; {@code factor} only for a price change, {@code count} for the counted kinds.
   */
  record Injection(String kind, String provider, String model, BigDecimal factor, Integer count) {}

  /** An active discrepancy as listed. */
  record Active(String kind, String provider, String model, BigDecimal factor, Integer remaining) {}

  @PostMapping("/simulator/billing/discrepancies")
  ResponseEntity<?> inject(@RequestBody Injection request) {
    Discrepancy.Kind kind =
        request.kind() == null ? null : Discrepancy.Kind.fromToken(request.kind());
    String problem = null;
    if (kind == null) {
      problem =
          "kind must be one of dropped-request, price-change, duplicated-batch-line,"
              + " cache-write-tier";
    } else if (!"openai".equals(request.provider()) && !"anthropic".equals(request.provider())) {
      problem = "provider must be openai or anthropic";
    } else if (kind == Discrepancy.Kind.PRICE_CHANGE
        && (request.factor() == null || request.factor().signum() <= 0)) {
      problem = "a price-change needs a positive factor (the new price over the list price)";
    } else if (kind == Discrepancy.Kind.CACHE_WRITE_TIER
        && !"anthropic".equals(request.provider())) {
      problem = "cache-write-tier applies to anthropic (OpenAI reports no cache-write tiers)";
    } else if (request.count() != null && (request.count() < 1 || request.count() > MAX_COUNT)) {
      problem = "count must be 1.." + MAX_COUNT;
    }
    if (problem != null) {
      ProblemDetail detail = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, problem);
      detail.setType(URI.create("https://tokenwise.dev/problems/invalid-billing-discrepancy"));
      detail.setTitle("Invalid billing discrepancy");
      return ResponseEntity.badRequest().body(detail);
    }
    int count = request.count() == null ? 1 : request.count();
    ledger.inject(
        new Discrepancy(
            kind,
            request.provider(),
            request.model() == null || request.model().isBlank() ? null : request.model(),
            kind == Discrepancy.Kind.PRICE_CHANGE ? request.factor() : null,
            count));
    return ResponseEntity.accepted().body(active());
  }

  @GetMapping("/simulator/billing/discrepancies")
  List<Active> active() {
    return ledger.discrepancies().stream()
        .map(
            d ->
                new Active(
                    d.kind().token(),
                    d.provider(),
                    d.model(),
                    d.factor(),
                    d.kind().counted() ? d.remaining() : null))
        .toList();
  }

  @DeleteMapping("/simulator/billing/discrepancies")
  ResponseEntity<Void> clear() {
    ledger.reset();
    return ResponseEntity.noContent().build();
  }
}
