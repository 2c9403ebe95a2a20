package dev.tokenwise.batch.teams;

import dev.tokenwise.batch.intake.Arm;
import dev.tokenwise.batch.intake.ClientFormat;
import dev.tokenwise.batch.intake.DeferredRequests;
import dev.tokenwise.batch.intake.InvalidDeferredRequest;
import dev.tokenwise.batch.intake.NewRequest;
import dev.tokenwise.batch.intake.RequestNormalizer;
import dev.tokenwise.batch.metrics.BatchMetrics;
import dev.tokenwise.batch.provider.Provider;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI-compatible {@code POST /v1/files}, {@code GET /v1/files/{id}[/content]}, {@code POST
 * /v1/batches} and {@code GET /v1/batches/{id}} for teams with JSONL. The tenant comes from header
 * {@value #TENANT}, which the router sets after authenticating the caller's virtual key. Lines are
 * validated before anything is stored: one bad line refuses the batch with a 400 naming the line
 * and field. Requests go to the provider of their model ({@code claude-*}: Anthropic).
 */
@RestController
class TeamBatchController {

  static final String TENANT = "Tokenwise-Tenant";

  private static final String OUTPUT_PREFIX = "file-out-";
  private static final String ERROR_PREFIX = "file-err-";

  private final TeamBatchStore store;
  private final DeferredRequests requests;
  private final RequestNormalizer normalizer;
  private final JsonMapper json;
  private final BatchMetrics metrics;

  TeamBatchController(
      TeamBatchStore store,
      DeferredRequests requests,
      RequestNormalizer normalizer,
      JsonMapper json,
      BatchMetrics metrics) {
    this.store = store;
    this.requests = requests;
    this.normalizer = normalizer;
    this.json = json;
    this.metrics = metrics;
  }

  @PostMapping("/v1/files")
  ResponseEntity<String> upload(
      @RequestHeader(name = TENANT, required = false) String tenant,
      @RequestParam(name = "purpose", required = false) String purpose,
      @RequestParam(name = "file", required = false) MultipartFile file)
      throws IOException {
    String owner = tenant(tenant);
    if (purpose == null) {
      throw OpenAiApiError.invalid("Missing required parameter: 'purpose'.", "purpose");
    }
    if (!purpose.equals("batch")) {
      throw OpenAiApiError.invalid("Only purpose 'batch' is accepted here.", "purpose");
    }
    if (file == null) {
      throw OpenAiApiError.invalid("Missing required parameter: 'file'.", "file");
    }
    String id = "file-tw-" + UUID.randomUUID().toString().replace("-", "");
    String name = file.getOriginalFilename() == null ? "upload.jsonl" : file.getOriginalFilename();
    byte[] content = file.getBytes();
    store.saveFile(id, owner, name, purpose, content);
    return ok(fileObject(store.file(id, owner).orElseThrow()));
  }

  @GetMapping("/v1/files/{id}")
  ResponseEntity<String> file(
      @RequestHeader(name = TENANT, required = false) String tenant, @PathVariable String id) {
    return ok(fileObject(store.file(id, tenant(tenant)).orElseThrow(() -> noFile(id))));
  }

  @GetMapping("/v1/files/{id}/content")
  ResponseEntity<StreamingResponseBody> content(
      @RequestHeader(name = TENANT, required = false) String tenant, @PathVariable String id) {
    String owner = tenant(tenant);
    if (id.startsWith(OUTPUT_PREFIX) || id.startsWith(ERROR_PREFIX)) {
      boolean output = id.startsWith(OUTPUT_PREFIX);
      String batchId = id.substring(output ? OUTPUT_PREFIX.length() : ERROR_PREFIX.length());
      store.batch(batchId, owner).orElseThrow(() -> noFile(id));
      StreamingResponseBody body =
          out ->
              store.finished(
                  batchId, output ? "succeeded" : "failed", row -> line(out, row, output));
      return ResponseEntity.ok().contentType(MediaType.APPLICATION_OCTET_STREAM).body(body);
    }
    store.file(id, owner).orElseThrow(() -> noFile(id));
    byte[] content = store.content(id);
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_OCTET_STREAM)
        .body(out -> out.write(content));
  }

  @PostMapping("/v1/batches")
  @Transactional
  ResponseEntity<String> create(
      @RequestHeader(name = TENANT, required = false) String tenant,
      @RequestBody(required = false) String body) {
    String owner = tenant(tenant);
    JsonNode request;
    try {
      request = body == null ? null : json.readTree(body);
    } catch (JacksonException e) {
      request = null;
    }
    if (request == null || !request.isObject()) {
      throw OpenAiApiError.invalid("We could not parse the JSON body of your request.", null);
    }
    String inputFileId = text(request, "input_file_id");
    String endpoint = text(request, "endpoint");
    String window = text(request, "completion_window");
    if (!endpoint.equals("/v1/chat/completions")) {
      throw OpenAiApiError.invalid("Only /v1/chat/completions is batched here.", "endpoint");
    }
    if (!window.equals("24h")) {
      throw OpenAiApiError.invalid("completion_window must be '24h'.", "completion_window");
    }
    JsonNode metadata = request.path("metadata");
    if (!metadata.isMissingNode() && !metadata.isNull() && !metadata.isObject()) {
      throw OpenAiApiError.invalid("metadata must be an object.", "metadata");
    }
    store.file(inputFileId, owner).orElseThrow(() -> noFile(inputFileId));
    String batchId = "batch_tw_" + UUID.randomUUID().toString().replace("-", "");
    List<NewRequest> lines = parse(owner, batchId, store.content(inputFileId), endpoint);
    List<UUID> ids = new ArrayList<>();
    lines.forEach(l -> ids.add(UUID.randomUUID()));
    store.saveBatch(
        new TeamBatchStore.TeamBatch(
            batchId,
            owner,
            inputFileId,
            endpoint,
            metadata.isObject() ? metadata.toString() : null,
            lines.size(),
            0));
    requests.addAll(ids, lines);
    metrics.count(BatchMetrics.Outcome.ACCEPTED, lines.size());
    return ok(batchObject(store.batch(batchId, owner).orElseThrow()));
  }

  @GetMapping("/v1/batches/{id}")
  ResponseEntity<String> batch(
      @RequestHeader(name = TENANT, required = false) String tenant, @PathVariable String id) {
    return ok(
        batchObject(
            store
                .batch(id, tenant(tenant))
                .orElseThrow(
                    () -> OpenAiApiError.notFound("No batch found with id '" + id + "'."))));
  }

  private List<NewRequest> parse(String tenant, String batchId, byte[] content, String endpoint) {
    List<NewRequest> lines = new ArrayList<>();
    Set<String> customIds = new HashSet<>();
    int number = 0;
    for (String text : new String(content, StandardCharsets.UTF_8).split("\n")) {
      number++;
      if (text.isBlank()) {
        continue;
      }
      String at = "line " + number + ": ";
      JsonNode line;
      try {
        line = json.readTree(text);
      } catch (JacksonException e) {
        throw OpenAiApiError.invalid(at + "not valid JSON.", "input_file_id");
      }
      JsonNode customId = line.path("custom_id");
      if (!customId.isString() || customId.stringValue().isBlank()) {
        throw OpenAiApiError.invalid(at + "custom_id is required.", "custom_id");
      }
      if (!customIds.add(customId.stringValue())) {
        throw OpenAiApiError.invalid(
            at + "custom_id '" + customId.stringValue() + "' repeats.", "custom_id");
      }
      if (!"POST".equals(line.path("method").asString(""))) {
        throw OpenAiApiError.invalid(at + "method must be POST.", "method");
      }
      if (!endpoint.equals(line.path("url").asString(""))) {
        throw OpenAiApiError.invalid(at + "url must be " + endpoint + ".", "url");
      }
      JsonNode body = line.path("body");
      if (!body.isObject()) {
        throw OpenAiApiError.invalid(at + "body must be an object.", "body");
      }
      String model = body.path("model").asString("");
      Provider provider = model.startsWith("claude") ? Provider.ANTHROPIC : Provider.OPENAI;
      ObjectNode providerBody;
      try {
        providerBody = normalizer.normalize(body, ClientFormat.OPENAI, provider, model);
      } catch (InvalidDeferredRequest e) {
        throw OpenAiApiError.invalid(at + e.getMessage(), e.field());
      }
      lines.add(
          new NewRequest(
              tenant,
              null,
              "batch-api",
              provider,
              model,
              model,
              ClientFormat.OPENAI,
              providerBody.toString(),
              null,
              null,
              null,
              batchId,
              customId.stringValue(),
              normalizer.cacheRequest(body, ClientFormat.OPENAI, provider, providerBody),
              null,
              null,
              null,
              Arm.NONE));
    }
    if (lines.isEmpty()) {
      throw OpenAiApiError.invalid("The input file has no requests.", "input_file_id");
    }
    if (lines.size() > Provider.OPENAI.maxRequests()) {
      throw OpenAiApiError.invalid(
          "A batch holds at most " + Provider.OPENAI.maxRequests() + " requests.", "input_file_id");
    }
    return lines;
  }

  private void line(OutputStream out, List<String> row, boolean output) {
    ObjectNode line = json.createObjectNode();
    line.put("id", "batch_req_" + row.get(0).replace("-", ""));
    line.put("custom_id", row.get(1));
    if (output) {
      ObjectNode response = line.putObject("response");
      response.put("status_code", 200);
      response.put("request_id", row.get(0));
      response.set("body", json.readTree(row.get(2)));
      line.putNull("error");
    } else {
      line.putNull("response");
      line.putObject("error").put("code", "request_failed").put("message", row.get(2));
    }
    try {
      out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private ObjectNode fileObject(TeamBatchStore.TeamFile file) {
    ObjectNode node = json.createObjectNode();
    node.put("id", file.id());
    node.put("object", "file");
    node.put("bytes", file.bytes());
    node.put("created_at", file.createdAt());
    node.put("filename", file.filename());
    node.put("purpose", file.purpose());
    node.put("status", "processed");
    return node;
  }

  private ObjectNode batchObject(TeamBatchStore.TeamBatch batch) {
    Map<String, Object> counts = store.counts(batch.id());
    long succeeded = ((Number) counts.get("succeeded")).longValue();
    long failed = ((Number) counts.get("failed")).longValue();
    long open = ((Number) counts.get("open")).longValue();
    long started = ((Number) counts.get("started")).longValue();
    String status = open > 0 ? (started > 0 ? "in_progress" : "validating") : "completed";
    ObjectNode node = json.createObjectNode();
    node.put("id", batch.id());
    node.put("object", "batch");
    node.put("endpoint", batch.endpoint());
    node.putNull("errors");
    node.put("input_file_id", batch.inputFileId());
    node.put("completion_window", "24h");
    node.put("status", status);
    node.put(
        "output_file_id",
        status.equals("completed") && succeeded > 0 ? OUTPUT_PREFIX + batch.id() : null);
    node.put(
        "error_file_id",
        status.equals("completed") && failed > 0 ? ERROR_PREFIX + batch.id() : null);
    node.put("created_at", batch.createdAt());
    Object finished = counts.get("finished");
    node.put(
        "completed_at",
        status.equals("completed") && finished != null ? ((Number) finished).longValue() : null);
    node.putObject("request_counts")
        .put("total", batch.requestCount())
        .put("completed", succeeded)
        .put("failed", failed);
    node.set("metadata", batch.metadata() == null ? null : json.readTree(batch.metadata()));
    return node;
  }

  private static String tenant(String tenant) {
    if (tenant == null || tenant.isBlank()) {
      throw new OpenAiApiError(
          HttpStatus.UNAUTHORIZED,
          "invalid_request_error",
          "No tenant: call batch-service through the router, which sets " + TENANT + ".",
          null,
          "missing_tenant");
    }
    return tenant;
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    if (!value.isString() || value.stringValue().isBlank()) {
      throw OpenAiApiError.invalid("Missing required parameter: '" + field + "'.", field);
    }
    return value.stringValue();
  }

  private static OpenAiApiError noFile(String id) {
    return OpenAiApiError.notFound("No such File object: " + id);
  }

  private ResponseEntity<String> ok(JsonNode body) {
    return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(body.toString());
  }

  @ExceptionHandler(OpenAiApiError.class)
  ResponseEntity<String> error(OpenAiApiError e) {
    ObjectNode body = json.createObjectNode();
    ObjectNode error = body.putObject("error");
    error.put("message", e.getMessage());
    error.put("type", e.type);
    error.put("param", e.param);
    error.put("code", e.code);
    return ResponseEntity.status(e.status)
        .contentType(MediaType.APPLICATION_JSON)
        .body(body.toString());
  }
}
