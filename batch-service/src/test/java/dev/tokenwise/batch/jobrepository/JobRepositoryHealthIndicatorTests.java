package dev.tokenwise.batch.jobrepository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.dao.DataAccessResourceFailureException;

class JobRepositoryHealthIndicatorTests {

  private final JobRepository jobRepository = mock(JobRepository.class);
  private final JobRepositoryHealthIndicator indicator =
      new JobRepositoryHealthIndicator(jobRepository);

  @Test
  void upWithJobAndInstanceCounts() throws Exception {
    given(jobRepository.getJobNames()).willReturn(List.of("submit", "poll"));
    given(jobRepository.getJobInstanceCount("submit")).willReturn(3L);
    given(jobRepository.getJobInstanceCount("poll")).willReturn(4L);

    Health health = indicator.health(true);

    assertThat(health.getStatus()).isEqualTo(Status.UP);
    assertThat(health.getDetails()).containsEntry("jobs", 2).containsEntry("jobInstances", 7L);
  }

  @Test
  void downWhenTheRepositoryCannotBeRead() {
    given(jobRepository.getJobNames())
        .willThrow(
            new DataAccessResourceFailureException(
                "relation batch.batch_job_instance does not exist"));

    assertThat(indicator.health(true).getStatus()).isEqualTo(Status.DOWN);
  }
}
