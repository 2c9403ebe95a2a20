package dev.tokenwise.simulator.batch;

import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** An uploaded or generated OpenAI file, held in memory. */
record StoredFile(String id, String filename, String purpose, long createdAt, byte[] content) {

  /** The OpenAI {@code file} object. */
  ObjectNode toJson() {
    ObjectNode file = JsonNodeFactory.instance.objectNode();
    file.put("id", id);
    file.put("object", "file");
    file.put("bytes", content.length);
    file.put("created_at", createdAt);
    file.put("filename", filename);
    file.put("purpose", purpose);
    file.put("status", "processed");
    file.putNull("status_details");
    return file;
  }
}
