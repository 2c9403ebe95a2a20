package dev.tokenwise.batch.jobs;

import dev.tokenwise.batch.crash.StepHook;
import java.util.List;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.stereotype.Component;

/**
 * Starts a job and waits for it; a run that did not complete rethrows its first failure, so a
 * caller (and a test stopping the work at a step) sees why it stopped.
 */
@Component
public class JobRunner {

  private final JobOperator operator;

  JobRunner(JobOperator operator) {
    this.operator = operator;
  }

  public JobExecution run(Job job, JobParameters parameters) {
    JobExecution execution;
    try {
      execution = operator.start(job, parameters);
    } catch (Exception e) {
      throw new IllegalStateException("could not start " + job.getName(), e);
    }
    if (execution.getStatus() != BatchStatus.COMPLETED) {
      List<Throwable> failures = execution.getAllFailureExceptions();
      for (Throwable failure : failures) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
          if (t instanceof StepHook.Stop stop) {
            // A hook stopping the work stands for the process dying: nothing may catch it on the
            // way up.
            throw stop;
          }
        }
      }
      if (!failures.isEmpty() && failures.get(0) instanceof RuntimeException e) {
        throw e;
      }
      throw new IllegalStateException(
          job.getName() + " ended " + execution.getStatus(),
          failures.isEmpty() ? null : failures.get(0));
    }
    return execution;
  }
}
