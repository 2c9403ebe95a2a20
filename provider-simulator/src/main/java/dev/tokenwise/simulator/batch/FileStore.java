package dev.tokenwise.simulator.batch;

import dev.tokenwise.simulator.wire.Wire;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/** The OpenAI files the simulator holds: uploads and the batches' output and error files. */
@Component
class FileStore {

  private final Map<String, StoredFile> files = new ConcurrentHashMap<>();

  StoredFile save(String filename, String purpose, byte[] content) {
    StoredFile file =
        new StoredFile(
            Wire.randomId("file-", 22), filename, purpose, Instant.now().getEpochSecond(), content);
    files.put(file.id(), file);
    return file;
  }

  Optional<StoredFile> find(String id) {
    return Optional.ofNullable(files.get(id));
  }
}
