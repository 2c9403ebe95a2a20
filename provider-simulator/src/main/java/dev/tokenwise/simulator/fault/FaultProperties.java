package dev.tokenwise.simulator.fault;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Fault injection by configuration.
 *
 * @param rates probability per request (0..1) of each fault, keyed by its token ({@code 429},
 *     {@code 500}, {@code 503}, {@code 529}, {@code reset}, {@code slow-first-byte}, {@code
 *     stream-error}); the sum must not exceed 1
 * @param retryAfter the {@code Retry-After} a 429 (and a 529, 503) carries
 * @param slowFirstByte how long a slow-first-byte fault holds back the response
 * @param eventsBeforeReset how many stream events are sent before a mid-stream reset or error
 * @param seed seed for the random draw, so a run with rates is repeatable; null for a random seed
 */
@ConfigurationProperties("tokenwise.simulator.faults")
public record FaultProperties(
    Map<String, Double> rates,
    @DefaultValue("1s") Duration retryAfter,
    @DefaultValue("10s") Duration slowFirstByte,
    @DefaultValue("3") int eventsBeforeReset,
    Long seed) {

  public FaultProperties {
    rates = rates == null ? Map.of() : Map.copyOf(rates);
    double sum = 0;
    for (Map.Entry<String, Double> rate : rates.entrySet()) {
      if (Fault.fromToken(rate.getKey()).isEmpty()) {
        throw new IllegalArgumentException(
            "tokenwise.simulator.faults.rates: unknown fault '" + rate.getKey() + "'");
      }
      if (rate.getValue() < 0 || rate.getValue() > 1) {
        throw new IllegalArgumentException(
            "tokenwise.simulator.faults.rates." + rate.getKey() + " must be within 0..1");
      }
      sum += rate.getValue();
    }
    if (sum > 1.0 + 1e-9) {
      throw new IllegalArgumentException("tokenwise.simulator.faults.rates must sum to at most 1");
    }
    if (eventsBeforeReset < 0) {
      throw new IllegalArgumentException("tokenwise.simulator.faults.events-before-reset < 0");
    }
  }

  /** The configured rates keyed by fault, in declaration order. */
  Map<Fault, Double> faultRates() {
    Map<Fault, Double> byFault = new EnumMap<>(Fault.class);
    rates.forEach((token, rate) -> byFault.put(Fault.fromToken(token).orElseThrow(), rate));
    return byFault;
  }
}
