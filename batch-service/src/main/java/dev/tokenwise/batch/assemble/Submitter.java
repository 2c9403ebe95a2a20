package dev.tokenwise.batch.assemble;

import dev.tokenwise.batch.assemble.AssemblyStore.BatchRow;
import dev.tokenwise.batch.collect.CollectProperties;
import dev.tokenwise.batch.crash.CrashPoint;
import dev.tokenwise.batch.crash.StepHook;
import dev.tokenwise.batch.provider.BatchApi;
import dev.tokenwise.batch.provider.BatchApis;
import dev.tokenwise.batch.provider.Provider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Takes a written batch file to a recorded provider batch: upload (OpenAI), then create. Each step
 * is recorded before the next begins; {@code submitting} is recorded before the create call, so a
 * crash between the provider creating the batch and us recording it is recognised on restart, and
 * the orphan is adopted instead of being submitted twice.
 */
@Component
class Submitter {

  private static final Logger log = LoggerFactory.getLogger(Submitter.class);

  private final AssemblyStore store;
  private final BatchApis apis;
  private final StepHook steps;
  private final AssemblyProperties properties;
  private final CollectProperties collect;
  private final Clock clock;

  Submitter(
      AssemblyStore store,
      BatchApis apis,
      StepHook steps,
      AssemblyProperties properties,
      CollectProperties collect,
      Clock clock) {
    this.store = store;
    this.apis = apis;
    this.steps = steps;
    this.properties = properties;
    this.collect = collect;
    this.clock = clock;
  }

  void submit(UUID batchId) {
    steps.passed(CrashPoint.AFTER_WRITE);
    BatchRow batch = store.load(batchId);
    BatchApi api = apis.of(batch.provider());
    Path file = BatchFileWriter.fileFor(properties.workDir(), batchId, batch.provider());
    String state = batch.state();
    String inputFileId = batch.inputFileId();
    boolean resumed = state.equals("submitting");
    if (state.equals("written")) {
      inputFileId = api.upload(batchId, file);
      steps.passed(CrashPoint.AFTER_UPLOAD);
      store.uploaded(batchId, inputFileId);
      state = "uploaded";
    }
    if (state.equals("uploaded")) {
      store.submitting(batchId, clock.instant());
      state = "submitting";
    }
    if (!state.equals("submitting")) {
      return;
    }
    String providerBatchId = null;
    if (resumed) {
      Optional<String> orphan =
          api.findOrphan(
              batchId, batch.submitStartedAt(), batch.lineCount(), store::knownProviderBatch);
      if (orphan.isPresent()) {
        log.info(
            "Adopting provider batch {} created for {} before a restart", orphan.get(), batchId);
        providerBatchId = orphan.get();
      }
    }
    if (providerBatchId == null) {
      providerBatchId = api.create(batchId, file, inputFileId);
      steps.passed(CrashPoint.AFTER_CREATE);
    }
    store.submitted(batchId, providerBatchId, clock.instant().plus(collect.firstPoll()));
    deleteQuietly(file);
  }

  /** Whether the batch file must be (re)written before submitting. */
  boolean needsFile(UUID batchId) {
    BatchRow batch = store.load(batchId);
    Path file = BatchFileWriter.fileFor(properties.workDir(), batchId, batch.provider());
    return switch (batch.state()) {
      case "assigned" -> true;
      case "written" -> !Files.exists(file);
      // Anthropic takes the file in the create call itself.
      case "uploaded", "submitting" ->
          batch.provider() == Provider.ANTHROPIC && !Files.exists(file);
      default -> false;
    };
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("Could not delete {}: {}", file, e.toString());
    }
  }
}
