package dev.tokenwise.batch.jobrepository;

import java.util.List;
import org.springframework.batch.core.launch.NoSuchJobException;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/**
 * Reports whether the job repository answers, by reading from it the job names and how many job
 * instances it holds: a plain datasource check would pass while the {@code batch} tables are
 * missing or the table prefix is wrong.
 */
@Component
class JobRepositoryHealthIndicator extends AbstractHealthIndicator {

  private final JobRepository jobRepository;

  JobRepositoryHealthIndicator(JobRepository jobRepository) {
    super("Job repository health check failed");
    this.jobRepository = jobRepository;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) throws NoSuchJobException {
    List<String> jobNames = jobRepository.getJobNames();
    long instances = 0;
    for (String jobName : jobNames) {
      instances += jobRepository.getJobInstanceCount(jobName);
    }
    builder.up().withDetail("jobs", jobNames.size()).withDetail("jobInstances", instances);
  }
}
