package dev.tokenwise.batch.assemble;

import dev.tokenwise.batch.provider.Provider;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamWriter;

/**
 * Streams batch lines into the provider's file format: OpenAI JSONL ({@code custom_id}, {@code
 * method}, {@code url}, {@code body}), or Anthropic's {@code {"requests":[{custom_id, params}…]}}.
 * Bodies are copied as stored, never parsed, and nothing but the current chunk is held in memory.
 * The file is written under a temporary name and moved into place when the step completes, so a
 * crash never leaves a half file that looks whole.
 */
class BatchFileWriter implements ItemStreamWriter<BatchLine>, StepExecutionListener {

  private final UUID batchId;
  private final Provider provider;
  private final String endpoint;
  private final Path target;
  private final Path partial;
  private final AssemblyStore store;
  private BufferedWriter out;
  private int lines;
  private long bytes;

  BatchFileWriter(
      UUID batchId, Provider provider, String endpoint, Path target, AssemblyStore store) {
    this.batchId = batchId;
    this.provider = provider;
    this.endpoint = endpoint;
    this.target = target;
    this.partial = target.resolveSibling(target.getFileName() + ".part");
    this.store = store;
  }

  static Path fileFor(Path workDir, UUID batchId, Provider provider) {
    return workDir.resolve(batchId + (provider == Provider.OPENAI ? ".jsonl" : ".json"));
  }

  @Override
  public void open(ExecutionContext context) {
    try {
      Files.createDirectories(partial.getParent());
      out = Files.newBufferedWriter(partial, StandardCharsets.UTF_8);
      lines = 0;
      bytes = 0;
      if (provider == Provider.ANTHROPIC) {
        emit("{\"requests\":[");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void write(Chunk<? extends BatchLine> chunk) throws IOException {
    for (BatchLine line : chunk) {
      if (provider == Provider.OPENAI) {
        emit(
            "{\"custom_id\":\""
                + line.customId()
                + "\",\"method\":\"POST\",\"url\":\""
                + endpoint
                + "\",\"body\":"
                + line.body()
                + "}\n");
      } else {
        emit(
            (lines == 0 ? "" : ",")
                + "{\"custom_id\":\""
                + line.customId()
                + "\",\"params\":"
                + line.body()
                + "}");
      }
      lines++;
    }
    out.flush();
  }

  private void emit(String text) throws IOException {
    out.write(text);
    bytes += text.getBytes(StandardCharsets.UTF_8).length;
  }

  @Override
  public void close() {
    if (out == null) {
      return;
    }
    try {
      if (provider == Provider.ANTHROPIC) {
        emit("]}");
      }
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      out = null;
    }
  }

  @Override
  public ExitStatus afterStep(StepExecution stepExecution) {
    if (stepExecution.getStatus().isUnsuccessful()) {
      return stepExecution.getExitStatus();
    }
    try {
      Files.move(
          partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    store.written(batchId, lines, bytes);
    return stepExecution.getExitStatus();
  }
}
