package dev.tokenwise.batch.assemble;

import dev.tokenwise.batch.provider.Provider;
import java.time.Instant;

/** Queued requests bound for one provider, model and endpoint. */
record Group(
    Provider provider,
    String model,
    String endpoint,
    long requests,
    long bytes,
    Instant oldest,
    Instant earliestDeadline) {}
