package dev.tokenwise.batch.assemble;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * When queued requests become a provider batch ({@code tokenwise.batch.assembly.*}). A group is
 * flushed when its oldest request has waited {@code maxAge}, when it fills a batch ({@code
 * maxRequests} or {@code maxBytes}, each capped at the provider's limit), or when a request's
 * deadline is within {@code deadlineMargin}.
 *
 * @param maxAge longest a request waits for companions
 * @param maxRequests most requests in one provider batch (OpenAI allows 50,000, Anthropic 100,000)
 * @param maxBytes largest batch file (OpenAI 200 MB, Anthropic 256 MB)
 * @param deadlineMargin flush a group holding a request whose deadline is this close
 * @param interval how often the assembler looks for work
 * @param workDir where batch files are written before upload
 * @param lockAtMost longest the assembler lock is held if its holder dies
 */
@ConfigurationProperties("tokenwise.batch.assembly")
public record AssemblyProperties(
    @DefaultValue("10m") Duration maxAge,
    @DefaultValue("50000") int maxRequests,
    @DefaultValue("200MB") DataSize maxBytes,
    @DefaultValue("2h") Duration deadlineMargin,
    @DefaultValue("10s") Duration interval,
    Path workDir,
    @DefaultValue("2m") Duration lockAtMost) {

  public AssemblyProperties {
    if (workDir == null) {
      workDir = Path.of(System.getProperty("java.io.tmpdir"), "tokenwise-batch");
    }
    if (maxRequests < 1) {
      throw new IllegalArgumentException("tokenwise.batch.assembly.max-requests must be >= 1");
    }
  }
}
