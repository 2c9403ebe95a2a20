package dev.tokenwise.local.demo;

/**
 * One request of the workload, sent as is.
 *
 * @param kind which part of the workload it belongs to
 * @param tenant index into the launcher's demo tenants (0 = {@code demo}, 1 = {@code demo-b})
 * @param route the {@code Tokenwise-Route} header, or null for the route the router picks
 * @param deferred whether it is sent with {@code Tokenwise-Mode: deferred}
 * @param body the OpenAI chat request, as JSON
 */
record DemoRequest(Kind kind, int tenant, String route, boolean deferred, String body) {

  /** The parts of the workload, each aimed at one or two of the tactics. */
  enum Kind {
    FAQ("FAQ support questions (repeats and paraphrases)"),
    RAG("RAG over long documents"),
    CHAT("long chat threads, naive prompt order"),
    EXTRACT("extraction with a JSON schema"),
    ROUTED("tokenwise/auto, easy and hard prompts"),
    NIGHTLY("deferred nightly summaries");

    private final String description;

    Kind(String description) {
      this.description = description;
    }

    String description() {
      return description;
    }
  }
}
