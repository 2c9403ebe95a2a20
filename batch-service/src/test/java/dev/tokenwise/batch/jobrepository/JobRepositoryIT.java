package dev.tokenwise.batch.jobrepository;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.testsupport.RealServers;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatusCode;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** batch-service boots against a real PostgreSQL with its job repository in schema "batch". */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "management.endpoint.health.show-details=always")
@RealServers
class JobRepositoryIT {

  @Autowired JdbcTemplate jdbc;

  @Autowired JobOperator jobOperator;

  @Autowired JobRepository jobRepository;

  @Autowired
  @Qualifier("noopJob")
  Job noopJob;

  @LocalServerPort int port;

  @Test
  void theJobRepositoryTablesLiveInSchemaBatch() {
    List<String> tables =
        jdbc.queryForList(
            "select table_name from information_schema.tables where table_schema = 'batch'"
                + " order by table_name",
            String.class);
    assertThat(tables)
        .contains(
            "batch_job_instance",
            "batch_job_execution",
            "batch_job_execution_params",
            "batch_job_execution_context",
            "batch_step_execution",
            "batch_step_execution_context",
            "flyway_schema_history");
    assertThat(
            jdbc.queryForObject(
                "select count(*) from information_schema.tables"
                    + " where table_schema = 'public' and table_name like 'batch_%'",
                Integer.class))
        .isZero();
  }

  @Test
  void aJobRunsAndIsRecordedInTheRepository() throws Exception {
    JobExecution execution =
        jobOperator.start(
            noopJob,
            new JobParametersBuilder().addLong("run", System.nanoTime()).toJobParameters());

    assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
    assertThat(jobRepository.getJobInstanceCount("noop")).isPositive();
    assertThat(jobRepository.getJobExecution(execution.getId()).getStatus())
        .isEqualTo(BatchStatus.COMPLETED);
    assertThat(
            jdbc.queryForObject(
                "select status from batch.batch_job_execution where job_execution_id = ?",
                String.class,
                execution.getId()))
        .isEqualTo("COMPLETED");
  }

  @Test
  void jobsAreNotRunAtStartup() {
    assertThat(jobRepository.getJobNames()).doesNotContain("startup-probe");
  }

  @Test
  void healthIsUpWithTheJobRepository() {
    RestClient http = RestClient.create("http://localhost:" + port);

    JsonNode health =
        JsonMapper.shared()
            .readTree(http.get().uri("/actuator/health").retrieve().body(String.class));
    assertThat(health.path("status").asString()).isEqualTo("UP");
    assertThat(health.at("/components/jobRepository/status").asString()).isEqualTo("UP");
    assertThat(health.at("/components/jobRepository/details/jobInstances").isNumber()).isTrue();

    for (String probe : List.of("/actuator/health/liveness", "/actuator/health/readiness")) {
      assertThat(http.get().uri(probe).retrieve().body(String.class))
          .as(probe)
          .contains("\"status\":\"UP\"");
    }
    assertThat(http.get().uri("/actuator/prometheus").retrieve().toBodilessEntity().getStatusCode())
        .isEqualTo(HttpStatusCode.valueOf(200));
  }

  /** A job that does nothing, so the test can watch the repository record a run. */
  @TestConfiguration(proxyBeanMethods = false)
  static class NoopJob {

    @Bean
    Job noopJob(JobRepository jobRepository) {
      return new JobBuilder("noop", jobRepository)
          .start(
              new StepBuilder("noop-step", jobRepository)
                  .tasklet((contribution, context) -> RepeatStatus.FINISHED)
                  .build())
          .build();
    }

    /** Never launched by a test: if it shows up in the repository, something ran it at start. */
    @Bean
    Job startupProbeJob(JobRepository jobRepository) {
      return new JobBuilder("startup-probe", jobRepository)
          .start(
              new StepBuilder("startup-probe-step", jobRepository)
                  .tasklet((contribution, context) -> RepeatStatus.FINISHED)
                  .build())
          .build();
    }
  }
}
