package dev.tokenwise.simulator.wire;

/**
 * An {@code x-simulator-*} header whose value the simulator cannot use; answered as the provider's
 * 400 invalid-request error naming the header.
 */
public class BadSimulatorHeader extends IllegalArgumentException {

  public BadSimulatorHeader(String header, String problem) {
    super(header + ": " + problem);
  }
}
