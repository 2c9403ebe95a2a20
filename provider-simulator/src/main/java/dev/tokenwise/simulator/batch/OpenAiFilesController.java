package dev.tokenwise.simulator.batch;

import java.util.Set;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.multipart.FilePart;
import org.springframework.http.codec.multipart.FormFieldPart;
import org.springframework.http.codec.multipart.Part;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * OpenAI Files: {@code POST /v1/files} (multipart, {@code purpose} and {@code file}), {@code GET
 * /v1/files/{id}} and {@code GET /v1/files/{id}/content}.
 */
@RestController
class OpenAiFilesController {

  private static final Set<String> PURPOSES =
      Set.of("assistants", "batch", "fine-tune", "vision", "user_data", "evals");

  private final FileStore files;

  OpenAiFilesController(FileStore files) {
    this.files = files;
  }

  @PostMapping("/v1/files")
  Mono<ResponseEntity<String>> upload(ServerWebExchange exchange) {
    try {
      ApiError.openAiCredentials(exchange.getRequest().getHeaders());
    } catch (ApiError e) {
      return Mono.just(e.openAi());
    }
    return exchange
        .getMultipartData()
        .flatMap(
            parts -> {
              Part purposePart = parts.getFirst("purpose");
              Part filePart = parts.getFirst("file");
              if (!(purposePart instanceof FormFieldPart purposeField)) {
                return Mono.just(
                    ApiError.invalid("Missing required parameter: 'purpose'.", "purpose").openAi());
              }
              String purpose = purposeField.value();
              if (!PURPOSES.contains(purpose)) {
                return Mono.just(
                    ApiError.invalid(
                            "'" + purpose + "' is not one of " + PURPOSES + " - 'purpose'",
                            "purpose")
                        .openAi());
              }
              if (filePart == null) {
                return Mono.just(
                    ApiError.invalid("Missing required parameter: 'file'.", "file").openAi());
              }
              // A part sent without a filename arrives as a form field; its bytes still count.
              String filename = filePart instanceof FilePart file ? file.filename() : "file";
              return DataBufferUtils.join(filePart.content())
                  .map(
                      buffer -> {
                        byte[] bytes = new byte[buffer.readableByteCount()];
                        buffer.read(bytes);
                        DataBufferUtils.release(buffer);
                        return bytes;
                      })
                  .defaultIfEmpty(new byte[0])
                  .map(bytes -> json(files.save(filename, purpose, bytes).toJson()));
            });
  }

  @GetMapping("/v1/files/{id}")
  ResponseEntity<String> file(@RequestHeader HttpHeaders headers, @PathVariable("id") String id) {
    try {
      ApiError.openAiCredentials(headers);
      return json(files.find(id).orElseThrow(() -> noSuchFile(id)).toJson());
    } catch (ApiError e) {
      return e.openAi();
    }
  }

  @GetMapping("/v1/files/{id}/content")
  ResponseEntity<?> content(@RequestHeader HttpHeaders headers, @PathVariable("id") String id) {
    try {
      ApiError.openAiCredentials(headers);
      StoredFile file = files.find(id).orElseThrow(() -> noSuchFile(id));
      return ResponseEntity.ok()
          .contentType(MediaType.APPLICATION_OCTET_STREAM)
          .body(file.content());
    } catch (ApiError e) {
      return e.openAi();
    }
  }

  private static ApiError noSuchFile(String id) {
    return ApiError.notFound("No such File object: " + id);
  }

  private static ResponseEntity<String> json(Object body) {
    return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(body.toString());
  }
}
