package dev.tokenwise.batch.crash;

/** Thrown at an armed {@link CrashPoint}: the work stops there as if the process died. */
public class SimulatedCrash extends StepHook.Stop {

  public SimulatedCrash(CrashPoint point) {
    super("simulated crash " + point);
  }
}
