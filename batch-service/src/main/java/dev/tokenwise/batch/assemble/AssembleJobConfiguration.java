package dev.tokenwise.batch.assemble;

import dev.tokenwise.batch.provider.Provider;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.flow.FlowExecutionStatus;
import org.springframework.batch.core.job.flow.JobExecutionDecider;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.database.JdbcCursorItemReader;
import org.springframework.batch.infrastructure.item.database.builder.JdbcCursorItemReaderBuilder;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.batch.infrastructure.support.transaction.ResourcelessTransactionManager;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The assemble-and-submit job for one provider batch (job parameter {@code batchId}): {@code
 * write-file} streams the batch's distinct lines from PostgreSQL into the file (skipped when a
 * resumed batch no longer needs it), {@code submit} uploads and creates the provider batch.
 */
@Configuration(proxyBeanMethods = false)
class AssembleJobConfiguration {

  static final String JOB = "assemble-and-submit";

  /** Lines per chunk: the most the writer holds in memory at once. */
  private static final int CHUNK = 500;

  @Bean
  Job assembleAndSubmitJob(
      JobRepository repository, Step writeFileStep, Step submitStep, Submitter submitter) {
    JobExecutionDecider needsFile =
        (jobExecution, stepExecution) ->
            new FlowExecutionStatus(
                submitter.needsFile(
                        UUID.fromString(jobExecution.getJobParameters().getString("batchId")))
                    ? "WRITE"
                    : "SUBMIT");
    return new JobBuilder(JOB, repository)
        .start(needsFile)
        .on("WRITE")
        .to(writeFileStep)
        .next(submitStep)
        .from(needsFile)
        .on("SUBMIT")
        .to(submitStep)
        .end()
        .build();
  }

  @Bean
  Step writeFileStep(
      JobRepository repository,
      PlatformTransactionManager transactions,
      JdbcCursorItemReader<BatchLine> batchLineReader,
      BatchFileWriter batchFileWriter) {
    return new StepBuilder("write-file", repository)
        .<BatchLine, BatchLine>chunk(CHUNK)
        .transactionManager(transactions)
        .reader(batchLineReader)
        .writer(batchFileWriter)
        .listener(batchFileWriter)
        .allowStartIfComplete(true)
        .build();
  }

  /**
   * No transaction around the tasklet: each state change must be committed before the provider call
   * that follows it, or a crash after the call would roll back the record of it.
   */
  @Bean
  Step submitStep(JobRepository repository, Submitter submitter) {
    return new StepBuilder("submit", repository)
        .tasklet(
            (contribution, context) -> {
              submitter.submit(
                  UUID.fromString(
                      context
                          .getStepContext()
                          .getStepExecution()
                          .getJobParameters()
                          .getString("batchId")));
              return RepeatStatus.FINISHED;
            },
            new ResourcelessTransactionManager())
        .build();
  }

  /** Identical requests share a custom id: one line each, the oldest body. */
  @Bean
  @StepScope
  JdbcCursorItemReader<BatchLine> batchLineReader(
      DataSource dataSource, @Value("#{jobParameters['batchId']}") String batchId) {
    return new JdbcCursorItemReaderBuilder<BatchLine>()
        .name("batch-lines")
        .dataSource(dataSource)
        .sql(
            "select distinct on (custom_id) custom_id, body from batch.deferred_request"
                + " where provider_batch_id = ? order by custom_id, created_at")
        .preparedStatementSetter(ps -> ps.setObject(1, UUID.fromString(batchId)))
        .rowMapper((rs, i) -> new BatchLine(rs.getString(1), rs.getString(2)))
        .fetchSize(CHUNK)
        .saveState(false)
        .build();
  }

  @Bean
  @StepScope
  BatchFileWriter batchFileWriter(
      AssemblyStore store,
      AssemblyProperties properties,
      @Value("#{jobParameters['batchId']}") String batchId) {
    UUID id = UUID.fromString(batchId);
    AssemblyStore.BatchRow batch = store.load(id);
    Provider provider = batch.provider();
    return new BatchFileWriter(
        id,
        provider,
        batch.endpoint(),
        BatchFileWriter.fileFor(properties.workDir(), id, provider),
        store);
  }
}
