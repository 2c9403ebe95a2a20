package dev.tokenwise.batch.crash;

/** The steps of batch work after which a crash is worth proving harmless. */
public enum CrashPoint {
  /** Requests are assigned to a provider batch; no file yet. */
  AFTER_ASSIGN,
  /** The batch file is written to disk. */
  AFTER_WRITE,
  /** The file is uploaded (OpenAI); its id is not recorded yet. */
  AFTER_UPLOAD,
  /** The provider created the batch; its id is not recorded yet. */
  AFTER_CREATE,
  /** Some results are applied, the rest not. */
  MID_COLLECT,
  /** Results are stored; usage events not yet published. */
  AFTER_COLLECT
}
