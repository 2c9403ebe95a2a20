package dev.tokenwise.batch.collect;

import dev.tokenwise.batch.assemble.AssemblyProperties;
import dev.tokenwise.batch.crash.CrashPoint;
import dev.tokenwise.batch.crash.StepHook;
import dev.tokenwise.batch.provider.BatchApis;
import dev.tokenwise.batch.provider.Provider;
import dev.tokenwise.batch.provider.RemoteBatch;
import dev.tokenwise.batch.provider.ResultLine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.ItemProcessor;
import org.springframework.batch.infrastructure.item.file.FlatFileItemReader;
import org.springframework.batch.infrastructure.item.file.builder.FlatFileItemReaderBuilder;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.batch.infrastructure.support.transaction.ResourcelessTransactionManager;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.FileSystemResource;
import org.springframework.transaction.PlatformTransactionManager;
import tools.jackson.databind.json.JsonMapper;

/**
 * The poll-and-collect job for one ended provider batch: {@code download} streams the results (and
 * OpenAI's error file) to disk, {@code apply-results} reads them line by line and applies each to
 * its requests, {@code finish} handles requests no line answered and closes the batch.
 */
@Configuration(proxyBeanMethods = false)
class CollectJobConfiguration {

  static final String JOB = "poll-and-collect";

  private static final int CHUNK = 200;

  @Bean
  Job pollAndCollectJob(
      JobRepository repository, Step downloadStep, Step applyResultsStep, Step finishStep) {
    return new JobBuilder(JOB, repository)
        .start(downloadStep)
        .next(applyResultsStep)
        .next(finishStep)
        .build();
  }

  @Bean
  Step downloadStep(
      JobRepository repository,
      PlatformTransactionManager transactions,
      BatchApis apis,
      AssemblyProperties assembly) {
    return new StepBuilder("download", repository)
        .tasklet(
            (contribution, context) -> {
              JobParameters p = context.getStepContext().getStepExecution().getJobParameters();
              Path target = resultsFile(assembly, p.getString("batchId"));
              Files.createDirectories(target.getParent());
              apis.of(Provider.of(p.getString("provider")))
                  .download(
                      new RemoteBatch(
                          p.getString("providerBatchId"),
                          p.getString("providerStatus"),
                          true,
                          p.getString("outputFileId"),
                          p.getString("errorFileId")),
                      target);
              return RepeatStatus.FINISHED;
            },
            transactions)
        .build();
  }

  @Bean
  Step applyResultsStep(
      JobRepository repository,
      PlatformTransactionManager transactions,
      FlatFileItemReader<String> resultLineReader,
      ItemProcessor<String, ResultLine> resultLineParser,
      ResultApplier applier) {
    return new StepBuilder("apply-results", repository)
        .<String, ResultLine>chunk(CHUNK)
        .transactionManager(transactions)
        .reader(resultLineReader)
        .processor(resultLineParser)
        .writer(
            chunk ->
                applier.apply(
                    UUID.fromString(
                        org.springframework.batch.core.scope.context.StepSynchronizationManager
                            .getContext()
                            .getStepExecution()
                            .getJobParameters()
                            .getString("batchId")),
                    chunk.getItems()))
        .build();
  }

  /** Without a surrounding transaction, like submit: each request's outcome commits by itself. */
  @Bean
  Step finishStep(
      JobRepository repository,
      CollectStore store,
      ResultApplier applier,
      StepHook steps,
      AssemblyProperties assembly) {
    return new StepBuilder("finish", repository)
        .tasklet(
            (contribution, context) -> {
              JobParameters p = context.getStepContext().getStepExecution().getJobParameters();
              UUID batchId = UUID.fromString(p.getString("batchId"));
              for (String customId : store.unanswered(batchId)) {
                applier.apply(
                    batchId,
                    new ResultLine(
                        customId,
                        ResultLine.Outcome.ERRORED,
                        null,
                        "no result for this request (provider batch "
                            + p.getString("providerStatus")
                            + ")",
                        true));
              }
              store.collected(batchId, p.getString("providerStatus"));
              try {
                Files.deleteIfExists(resultsFile(assembly, batchId.toString()));
              } catch (IOException e) {
                // a leftover results file is only disk space
              }
              steps.passed(CrashPoint.AFTER_COLLECT);
              return RepeatStatus.FINISHED;
            },
            new ResourcelessTransactionManager())
        .build();
  }

  @Bean
  @StepScope
  FlatFileItemReader<String> resultLineReader(
      AssemblyProperties assembly, @Value("#{jobParameters['batchId']}") String batchId) {
    return new FlatFileItemReaderBuilder<String>()
        .name("result-lines")
        .resource(new FileSystemResource(resultsFile(assembly, batchId)))
        .lineMapper((line, number) -> line)
        .saveState(false)
        .build();
  }

  @Bean
  ItemProcessor<String, ResultLine> resultLineParser(BatchApis apis, JsonMapper json) {
    return line -> {
      if (line.isBlank()) {
        return null;
      }
      String provider =
          org.springframework.batch.core.scope.context.StepSynchronizationManager.getContext()
              .getStepExecution()
              .getJobParameters()
              .getString("provider");
      return apis.of(Provider.of(provider)).parse(json.readTree(line));
    };
  }

  static Path resultsFile(AssemblyProperties assembly, String batchId) {
    return assembly.workDir().resolve(batchId + ".results.jsonl");
  }
}
