package dev.tokenwise.cost.reprice;

import java.math.BigDecimal;
import java.time.Instant;

/** What one re-pricing changed, as audited in {@code cost.reprice_audit}. */
record RepriceResult(
    long auditId,
    Instant requestedAt,
    Instant from,
    Instant to,
    String reason,
    String requestedBy,
    String catalogVersions,
    long eventsExamined,
    long eventsChanged,
    BigDecimal costBeforeUsd,
    BigDecimal costAfterUsd,
    BigDecimal baselineBeforeUsd,
    BigDecimal baselineAfterUsd) {}
