package dev.tokenwise.batch.assemble;

/** One line of a provider batch: the shared custom id of identical requests and their body. */
record BatchLine(String customId, String body) {}
