package dev.tokenwise.local.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.local.demo.DemoRequest.Kind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class WorkloadTests {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private final Workload workload = Workload.generate(JSON);

  private List<DemoRequest> all() {
    return Stream.concat(workload.firstWave().stream(), workload.secondWave().stream()).toList();
  }

  @Test
  void overAThousandRequestsFromEveryPartOfTheWorkloadAndBothTenants() {
    assertThat(workload.size()).isGreaterThanOrEqualTo(1000);
    for (Kind kind : Kind.values()) {
      assertThat(workload.count(kind)).as(kind.name()).isPositive();
    }
    assertThat(all()).extracting(DemoRequest::tenant).contains(0, 1);
    assertThat(workload.threads()).extracting(ChatThread::tenant).contains(0, 1);
  }

  @Test
  void theSameRequestsEveryRun() {
    Workload again = Workload.generate(JSON);

    assertThat(again.firstWave()).isEqualTo(workload.firstWave());
    assertThat(again.secondWave()).isEqualTo(workload.secondWave());
    assertThat(again.threads()).isEqualTo(workload.threads());
  }

  @Test
  void faqQuestionsComeBackWordForWordAndInParaphraseFromManyUsers() {
    List<DemoRequest> faq = all().stream().filter(r -> r.kind() == Kind.FAQ).toList();
    Map<String, Long> byQuestion =
        faq.stream()
            .collect(
                Collectors.groupingBy(
                    r -> r.tenant() + ":" + lastUserMessage(r.body()), Collectors.counting()));
    long repeats = faq.size() - byQuestion.size();

    assertThat(repeats).as("exact repeats").isGreaterThan(faq.size() / 2);
    assertThat(byQuestion.keySet().stream().filter(q -> q.contains("forgot my password")))
        .as("a paraphrase")
        .isNotEmpty();
    assertThat(faq.stream().map(r -> JSON.readTree(r.body()).path("user").asString()).distinct())
        .hasSizeGreaterThan(20);
  }

  @Test
  void ragRequestsShareALongDocumentPrefixAndAskDifferentQuestions() {
    List<JsonNode> rag =
        all().stream().filter(r -> r.kind() == Kind.RAG).map(r -> JSON.readTree(r.body())).toList();
    Set<String> documents = new HashSet<>();
    rag.forEach(r -> documents.add(r.at("/messages/0/content").asString()));

    assertThat(documents).hasSize(4);
    // Well above the 1,024 tokens providers need before they cache a prefix (~4 chars a token).
    assertThat(documents).allSatisfy(d -> assertThat(d.length()).isGreaterThan(8_000));
    assertThat(rag.stream().map(r -> r.at("/messages/1/content").asString()).distinct().count())
        .isGreaterThan(20);
  }

  @Test
  void chatThreadsPutTheUserFirstAndATimestampInTheGrowingSystemPrompt() {
    ChatThread thread = workload.threads().get(0);
    List<String> answers = new ArrayList<>();
    answers.add("First answer.");
    answers.add("Second answer.");

    JsonNode third =
        JSON.readTree(thread.request(JSON, 2, answers, Instant.parse("2026-11-27T05:00:00Z")));

    assertThat(third.at("/messages/0/role").asString()).isEqualTo("user");
    assertThat(third.at("/messages/1/role").asString()).isEqualTo("system");
    assertThat(third.at("/messages/1/content").asString())
        .endsWith("Current time: 2026-11-27T05:00:00Z")
        .hasSizeGreaterThan(6_000);
    assertThat(third.path("messages")).hasSize(6);
    assertThat(third.at("/messages/4/content").asString()).isEqualTo("Second answer.");
  }

  @Test
  void routedPromptsAreEasyAndHardAndSomeAskForMoreOutputThanTheRouteAllows() {
    List<JsonNode> routed =
        all().stream()
            .filter(r -> r.kind() == Kind.ROUTED)
            .map(r -> JSON.readTree(r.body()))
            .toList();
    Map<Boolean, Long> hard =
        routed.stream()
            .collect(
                Collectors.partitioningBy(
                    r -> r.at("/messages/0/content").asString().contains("```"),
                    Collectors.counting()));

    assertThat(routed)
        .allSatisfy(r -> assertThat(r.path("model").asString()).isEqualTo("tokenwise/auto"));
    assertThat(hard.get(true)).isPositive();
    assertThat(hard.get(false)).isGreaterThan(hard.get(true));
    assertThat(routed.stream().filter(r -> r.path("max_tokens").asInt() > Workload.AUTO_MAX_TOKENS))
        .isNotEmpty();
    assertThat(
            workload.firstWave().stream()
                .filter(r -> r.kind() == Kind.ROUTED)
                .map(r -> JSON.readTree(r.body()))
                .filter(r -> r.has("max_tokens")))
        .as("the first wave measures the uncapped output")
        .isEmpty();
  }

  @Test
  void nightlySummariesAreDeferredAndExtractionsGoToTheSchemaRoute() {
    Map<Kind, Set<String>> routes =
        all().stream()
            .collect(
                Collectors.groupingBy(
                    DemoRequest::kind,
                    Collectors.mapping(r -> String.valueOf(r.route()), Collectors.toSet())));

    assertThat(all().stream().filter(DemoRequest::deferred).map(DemoRequest::kind).distinct())
        .containsExactly(Kind.NIGHTLY);
    assertThat(routes.get(Kind.NIGHTLY)).containsExactly("nightly");
    assertThat(routes.get(Kind.EXTRACT)).containsExactly("extract");
    assertThat(JSON.readTree(Workload.TICKET_SCHEMA).path("required")).hasSize(4);
  }

  private static String lastUserMessage(String body) {
    JsonNode messages = JSON.readTree(body).path("messages");
    return messages.get(messages.size() - 1).path("content").asString();
  }
}
