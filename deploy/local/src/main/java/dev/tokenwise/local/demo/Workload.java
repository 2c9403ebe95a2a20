package dev.tokenwise.local.demo;

import dev.tokenwise.local.demo.DemoRequest.Kind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The demo's synthetic workload, generated from the templates below with a fixed seed, so every run
 * sends the same requests. Each part aims at tactics:
 *
 * <ul>
 *   <li>FAQ support questions from many users of two tenants, asked again word for word and in
 *       paraphrase: the response cache (exact; semantic when the route enables it);
 *   <li>questions over four long documents put in the system prompt: provider prompt caching;
 *   <li>long chat threads with a big system prompt, sent in the naive order with a timestamp in it:
 *       the prompt-cache lint and its fix, then prompt caching;
 *   <li>extraction from support e-mails with the route's JSON schema: structured outputs;
 *   <li>{@code tokenwise/auto} with easy and hard prompts, some asking for far more output than the
 *       route allows: model routing and output caps;
 *   <li>nightly ticket summaries marked deferrable: batch-service at the batch price.
 * </ul>
 *
 * <p>It comes in two waves: the second repeats what the first asked and holds the capped requests,
 * which cost-service can price against the route's output measured in the first.
 */
final class Workload {

  /** The JSON schema route {@code extract} enforces. */
  static final String TICKET_SCHEMA =
      "{\"type\":\"object\",\"additionalProperties\":false,"
          + "\"properties\":{\"customer\":{\"type\":\"string\"},\"order_id\":{\"type\":\"string\"},"
          + "\"issue\":{\"type\":\"string\"},"
          + "\"priority\":{\"type\":\"string\",\"enum\":[\"low\",\"medium\",\"high\"]}},"
          + "\"required\":[\"customer\",\"order_id\",\"issue\",\"priority\"]}";

  /** The output ceiling of route {@code auto}; the capped requests ask for {@link #ASKED_CAP}. */
  static final int AUTO_MAX_TOKENS = 40;

  static final int ASKED_CAP = 800;

  private static final String FAQ_SYSTEM =
      "You are the support assistant of Acme Cloud, a file storage and backup service."
          + " Answer in at most three sentences and link to the help centre when useful.";

  private final List<DemoRequest> firstWave;
  private final List<DemoRequest> secondWave;
  private final List<ChatThread> threads;

  private Workload(
      List<DemoRequest> firstWave, List<DemoRequest> secondWave, List<ChatThread> threads) {
    this.firstWave = List.copyOf(firstWave);
    this.secondWave = List.copyOf(secondWave);
    this.threads = List.copyOf(threads);
  }

  /** Independent requests of the first wave, in sending order. */
  List<DemoRequest> firstWave() {
    return firstWave;
  }

  /** Independent requests of the second wave, in sending order. */
  List<DemoRequest> secondWave() {
    return secondWave;
  }

  /** Conversations, sent in the second wave, each turn after the previous answer. */
  List<ChatThread> threads() {
    return threads;
  }

  /** Every request the workload sends. */
  int size() {
    return firstWave.size()
        + secondWave.size()
        + threads.stream().mapToInt(t -> t.userTurns().size()).sum();
  }

  long count(Kind kind) {
    if (kind == Kind.CHAT) {
      return threads.stream().mapToInt(t -> t.userTurns().size()).sum();
    }
    return firstWave.stream().filter(r -> r.kind() == kind).count()
        + secondWave.stream().filter(r -> r.kind() == kind).count();
  }

  static Workload generate(JsonMapper json) {
    Random random = new Random(20261127L);
    List<DemoRequest> first = new ArrayList<>();
    List<DemoRequest> second = new ArrayList<>();
    faq(json, random, first, second);
    rag(json, random, first, second);
    extraction(json, random, first, second);
    routed(json, random, first, second);
    nightly(json, second);
    Collections.shuffle(first, random);
    Collections.shuffle(second, random);
    return new Workload(first, second, chatThreads(random));
  }

  // --- FAQ -------------------------------------------------------------------------------------

  /** Each topic: the usual wording first, then paraphrases. */
  private static final List<List<String>> FAQ =
      List.of(
          List.of(
              "How do I reset my password?",
              "I forgot my password, how can I reset it?",
              "What are the steps to change a forgotten password?",
              "Can you help me reset the password of my account?"),
          List.of(
              "How do I cancel my subscription?",
              "I want to cancel my plan, how do I do that?",
              "Where can I stop my subscription?",
              "What is the way to end my Acme Cloud subscription?"),
          List.of(
              "How much storage does the Basic plan include?",
              "What is the storage limit on the Basic plan?",
              "How many gigabytes do I get with Basic?"),
          List.of(
              "Can I share a folder with someone who has no account?",
              "Is it possible to share a folder with a person without an Acme account?",
              "How do I share files with people outside Acme Cloud?"),
          List.of(
              "How do I restore a deleted file?",
              "I deleted a file by mistake, can I get it back?",
              "Where do deleted files go and how do I recover them?",
              "Is there a recycle bin to undelete files?"),
          List.of(
              "How do I turn on two-factor authentication?",
              "Where do I enable 2FA for my account?",
              "How can I add a second login step to my account?"),
          List.of(
              "Why is my upload stuck at 99 percent?",
              "My upload never finishes, it stays at 99%, what should I do?",
              "Uploads hang right before completing, how do I fix that?"),
          List.of(
              "How do I change the email address on my account?",
              "Can I update the email I use to sign in?",
              "Where do I edit my account email?"),
          List.of(
              "Do you offer a discount for students?",
              "Is there a student price for Acme Cloud?",
              "Can students get Acme Cloud cheaper?"),
          List.of(
              "How do I download my invoices?",
              "Where can I find my past bills?",
              "How can I get a PDF of my invoice?",
              "I need copies of last year's invoices, where are they?"),
          List.of(
              "Which file types can I preview in the browser?",
              "What formats does the web preview support?",
              "Can I open Word and PDF files without downloading them?"),
          List.of(
              "How do I install the desktop sync app on Windows?",
              "Where do I get the Windows sync client?",
              "How can I set up Acme Cloud sync on my PC?"),
          List.of(
              "How long do you keep old versions of a file?",
              "For how many days is file version history kept?",
              "Can I go back to an older version of a document, and how far back?"),
          List.of(
              "How do I add a team member to my business account?",
              "Can I invite colleagues to our company workspace?",
              "Where do I add users to my team plan?"),
          List.of(
              "Is my data encrypted at rest?",
              "Do you encrypt the files I store?",
              "How are stored files protected with encryption?"),
          List.of(
              "What happens to my files if my payment fails?",
              "My card was declined, will I lose my files?",
              "If a payment does not go through, what happens to my storage?"),
          List.of(
              "How do I move files from Google Drive to Acme Cloud?",
              "Can I import everything from Google Drive?",
              "Is there a migration tool from Google Drive?"),
          List.of(
              "Why can't I log in on my phone?",
              "The mobile app will not let me sign in, what is wrong?",
              "Login fails in the iOS app, how can I fix it?"),
          List.of(
              "How do I create a public link that expires?",
              "Can a shared link stop working after a few days?",
              "How do I set an expiry date on a download link?"),
          List.of(
              "What is the maximum file size I can upload?",
              "Is there a limit on how big a single upload can be?",
              "How large can one file be on Acme Cloud?"));

  private static void faq(
      JsonMapper json, Random random, List<DemoRequest> first, List<DemoRequest> second) {
    // demo asks 330 questions from 40 users, demo-b 110 from 15; popular topics come up more.
    int[][] tenants = {{0, 330, 40}, {1, 110, 15}};
    for (int[] t : tenants) {
      int tenant = t[0];
      for (int i = 0; i < t[1]; i++) {
        int topic = popular(random, FAQ.size());
        List<String> wordings = FAQ.get(topic);
        // The usual wording most of the time, a paraphrase otherwise.
        String question =
            random.nextDouble() < 0.65
                ? wordings.get(0)
                : wordings.get(1 + random.nextInt(wordings.size() - 1));
        ObjectNode body = chat(json, "gpt-5-mini", user(tenant, random.nextInt(t[2])));
        body.putArray("messages")
            .add(message(json, "system", FAQ_SYSTEM))
            .add(message(json, "user", question));
        (i < t[1] * 3 / 10 ? first : second)
            .add(new DemoRequest(Kind.FAQ, tenant, null, false, json.writeValueAsString(body)));
      }
    }
  }

  /** An index in {@code [0, n)} skewed towards 0, as real question traffic is. */
  private static int popular(Random random, int n) {
    double u = random.nextDouble();
    return Math.min(n - 1, (int) (n * u * u));
  }

  // --- RAG -------------------------------------------------------------------------------------

  private static final String[][] DOCUMENTS = {
    {
      "Acme Cloud Service Level Agreement",
      "availability",
      "support response times",
      "service credits",
      "scheduled maintenance",
      "data durability",
      "incident reports"
    },
    {
      "Acme Employee Travel Policy",
      "flight class",
      "hotel rates",
      "meal allowances",
      "car rental",
      "expense reports",
      "travel approval"
    },
    {
      "Router X200 Installation Guide",
      "mounting",
      "power supply",
      "firmware updates",
      "port configuration",
      "factory reset",
      "status lights"
    },
    {
      "Acme Data Retention Policy",
      "customer records",
      "log files",
      "backups",
      "deletion requests",
      "legal holds",
      "audit trails"
    }
  };

  private static final String[] CLAUSES = {
    "The rule for %s applies to every region and every plan unless a signed addendum says"
        + " otherwise, and the figures in this section are reviewed every %d months.",
    "For %s the responsible team is the operations group; escalations go to the duty manager"
        + " within %d hours and are recorded in the tracker with a reference number.",
    "Exceptions to the %s rules need written approval from two managers, and any approval"
        + " older than %d days must be renewed before it is used again.",
    "The limit for %s is %d units per period; amounts above the limit are refused by the system"
        + " and must be requested through the exceptions form described in the appendix.",
    "Records about %s are kept for %d months in the primary system and then archived to cold"
        + " storage, where they remain searchable by the compliance team only.",
    "When %s changes, customers and staff are notified at least %d days in advance by e-mail"
        + " and through the status page, and the change log lists every affected item."
  };

  private static String document(String[] spec) {
    StringBuilder text = new StringBuilder(spec[0]).append("\n\n");
    int section = 0;
    // Six topics, eight clauses each: about 2,400 tokens, well above the providers' 1,024-token
    // minimum for prompt caching.
    for (int topic = 1; topic < spec.length; topic++) {
      text.append("Section ").append(topic).append(": ").append(spec[topic]).append("\n");
      for (int clause = 0; clause < 8; clause++) {
        section++;
        text.append(topic)
            .append('.')
            .append(clause + 1)
            .append(' ')
            .append(
                String.format(
                    Locale.ROOT,
                    CLAUSES[(topic + clause) % CLAUSES.length],
                    spec[topic],
                    2 + section % 29))
            .append('\n');
      }
    }
    return text.toString();
  }

  private static final String[] RAG_QUESTIONS = {
    "What does the document say about %s?",
    "Who is responsible for %s?",
    "How long are records about %s kept?",
    "What is the limit for %s?",
    "How much notice is given when %s changes?",
    "Can I get an exception for %s, and who approves it?"
  };

  private static void rag(
      JsonMapper json, Random random, List<DemoRequest> first, List<DemoRequest> second) {
    for (int d = 0; d < DOCUMENTS.length; d++) {
      String[] spec = DOCUMENTS[d];
      String system =
          "Answer only from the document below and name the clause you used. If the document"
              + " does not say, answer that it does not say.\n\n<document>\n"
              + document(spec)
              + "</document>";
      int tenant = d == 3 ? 1 : 0;
      for (int i = 0; i < 32; i++) {
        String topic = spec[1 + random.nextInt(spec.length - 1)];
        String question =
            String.format(Locale.ROOT, RAG_QUESTIONS[random.nextInt(RAG_QUESTIONS.length)], topic);
        ObjectNode body = chat(json, "gpt-5-mini", user(tenant, random.nextInt(20)));
        body.putArray("messages")
            .add(message(json, "system", system))
            .add(message(json, "user", question));
        (i < 8 ? first : second)
            .add(new DemoRequest(Kind.RAG, tenant, "rag", false, json.writeValueAsString(body)));
      }
    }
  }

  // --- chat threads ----------------------------------------------------------------------------

  private static final String[] TRAVEL_RULES = {
    "Always confirm the traveller's name, dates and destination before changing a booking.",
    "Offer the refundable fare first when the trip is more than 14 days away.",
    "Never share another traveller's booking details, even within the same company.",
    "Seat changes on long-haul flights are free for gold members and cost 25 EUR otherwise.",
    "A hotel booking can be cancelled free of charge until six in the evening the day before.",
    "Rail tickets in Europe are preferred over flights shorter than 90 minutes.",
    "Visa questions are answered with a link to the official embassy page only.",
    "Lost luggage claims must be filed with the airline within 7 days.",
    "Upgrades are offered only when the fare class allows them.",
    "Use the company's negotiated hotel rate whenever one is listed for the city."
  };

  private static final String[] TRAVEL_TURNS = {
    "Hi, I need to fly from Berlin to Lisbon next month for a conference.",
    "The conference runs from the 12th to the 14th, so I'd like to arrive on the 11th.",
    "Economy is fine. Is there a morning flight?",
    "Can I take a carry-on and one checked bag?",
    "Please also find a hotel close to the venue.",
    "What is the cancellation policy for that hotel?",
    "Actually, can I move the return to the 15th?",
    "Is there a fee for changing the return date?",
    "Could I get an aisle seat on both flights?",
    "Do I need a visa as a German citizen?",
    "What's the best way from the airport to the hotel?",
    "Can you add a rental car for the 13th only?",
    "How do I submit the expenses afterwards?",
    "What if my flight is delayed by more than three hours?",
    "Please send me a summary of the whole itinerary.",
    "One more thing: can my colleague join on the same flights?",
    "She is a gold member, does that change the seat fee?",
    "Can we be seated together?",
    "Great, please hold both bookings until tomorrow.",
    "Thanks, that's all for now."
  };

  private static List<ChatThread> chatThreads(Random random) {
    StringBuilder rules =
        new StringBuilder(
            "You are Ava, the travel assistant of Acme Corporation's travel desk. Follow the"
                + " company travel policy below exactly, answer briefly and ask one question at"
                + " a time.\n");
    int n = 0;
    // The rules again with their rationale, as real assistant prompts tend to grow: about 2,000
    // tokens in all.
    for (int round = 0; round < 6; round++) {
      for (String rule : TRAVEL_RULES) {
        rules.append("Rule ").append(++n).append(": ").append(rule);
        rules
            .append(" This keeps bookings consistent across the travel desk (review cycle ")
            .append(round + 1)
            .append(").\n");
      }
    }
    List<ChatThread> threads = new ArrayList<>();
    for (int c = 0; c < 8; c++) {
      int tenant = c < 5 ? 0 : 1;
      List<String> turns = new ArrayList<>();
      for (int t = 0; t < 20; t++) {
        // Each traveller words the same trip a little differently.
        turns.add(TRAVEL_TURNS[t] + (c == 0 ? "" : " (traveller " + (c + 1) + ")"));
      }
      threads.add(
          new ChatThread(
              tenant, user(tenant, 100 + c), "chat", "gpt-5-mini", rules.toString(), turns));
    }
    Collections.shuffle(threads, random);
    return threads;
  }

  // --- extraction ------------------------------------------------------------------------------

  private static final String[] CUSTOMERS = {
    "Maria Lopez", "Jonas Berg", "Aiko Tanaka", "Samuel Okafor", "Chloe Martin", "Ravi Patel"
  };

  private static final String[] ISSUES = {
    "was charged twice for the same order",
    "received a damaged parcel",
    "cannot log in since the last update",
    "wants to change the delivery address",
    "is missing one item from the package",
    "asks for a refund after 40 days"
  };

  private static void extraction(
      JsonMapper json, Random random, List<DemoRequest> first, List<DemoRequest> second) {
    for (int i = 0; i < 100; i++) {
      // 60 distinct e-mails, some forwarded twice.
      int seed = i < 60 ? i : random.nextInt(60);
      String customer = CUSTOMERS[seed % CUSTOMERS.length];
      String email =
          "From: "
              + customer
              + "\nSubject: Order A-"
              + (40_000 + seed * 37)
              + "\n\nHello, this is "
              + customer
              + ". My order A-"
              + (40_000 + seed * 37)
              + " has a problem: the customer "
              + ISSUES[seed % ISSUES.length]
              + ". Please help as soon as possible.\nKind regards";
      int tenant = seed % 4 == 3 ? 1 : 0;
      ObjectNode body = chat(json, "gpt-5-mini", user(tenant, 200 + seed % 8));
      body.putArray("messages")
          .add(
              message(
                  json,
                  "system",
                  "Extract the customer name, order id, issue and priority from the support"
                      + " e-mail."))
          .add(message(json, "user", email));
      (i < 30 ? first : second)
          .add(
              new DemoRequest(
                  Kind.EXTRACT, tenant, "extract", false, json.writeValueAsString(body)));
    }
  }

  // --- routed ----------------------------------------------------------------------------------

  private static final String[] EASY = {
    "What is the capital of %s?",
    "Translate 'thank you' into %s.",
    "Give me a synonym for 'quick' in %s.",
    "What time zone is %s in?",
    "Say good morning in %s."
  };

  private static final String[] PLACES = {
    "France", "Japanese", "Portugal", "Kenya", "Norwegian", "Chile", "Vietnam", "Italian"
  };

  private static final String HARD =
      "Analyze and prove step by step why the following function is O(n log n) in the worst case,"
          + " then derive a tighter bound if one exists and explain the trade-offs against a"
          + " heap-based alternative. Show the recurrence, solve T(n) = 2T(n/2) + %d*n + 7 for"
          + " n = %d, and compare with the measured timings 12.5 ms, 27.1 ms and 58.9 ms.\n"
          + "```java\n"
          + "static int[] sort(int[] a) {\n"
          + "  if (a.length < 2) return a;\n"
          + "  int mid = a.length / 2;\n"
          + "  int[] l = sort(java.util.Arrays.copyOfRange(a, 0, mid));\n"
          + "  int[] r = sort(java.util.Arrays.copyOfRange(a, mid, a.length));\n"
          + "  return merge(l, r);\n"
          + "}\n"
          + "```\n"
          + "Finally, evaluate whether %s would change the asymptotic cost and why.";

  private static final String[] HARD_TWISTS = {
    "a bottom-up iterative version",
    "insertion sort below 16 elements",
    "a parallel merge on 4 threads",
    "an in-place merge"
  };

  private static void routed(
      JsonMapper json, Random random, List<DemoRequest> first, List<DemoRequest> second) {
    for (int i = 0; i < 150; i++) {
      String place = PLACES[random.nextInt(PLACES.length)];
      String prompt = String.format(Locale.ROOT, EASY[random.nextInt(EASY.length)], place);
      int tenant = i % 3 == 2 ? 1 : 0;
      ObjectNode body = chat(json, "tokenwise/auto", user(tenant, random.nextInt(30)));
      // The first wave is sent without a limit (the route's natural output length is measured);
      // in the second, half of the clients ask for far more than the route allows.
      boolean inFirst = i < 60;
      if (!inFirst && i % 2 == 0) {
        body.put("max_tokens", ASKED_CAP);
      }
      body.putArray("messages").add(message(json, "user", prompt));
      (inFirst ? first : second)
          .add(new DemoRequest(Kind.ROUTED, tenant, null, false, json.writeValueAsString(body)));
    }
    for (int i = 0; i < 50; i++) {
      String prompt =
          String.format(
              Locale.ROOT,
              HARD,
              3 + i % 5,
              1024 << (i % 4),
              HARD_TWISTS[random.nextInt(HARD_TWISTS.length)]);
      int tenant = i % 4 == 3 ? 1 : 0;
      ObjectNode body = chat(json, "tokenwise/auto", user(tenant, random.nextInt(30)));
      body.putArray("messages").add(message(json, "user", prompt));
      (i < 15 ? first : second)
          .add(new DemoRequest(Kind.ROUTED, tenant, null, false, json.writeValueAsString(body)));
    }
  }

  // --- nightly ---------------------------------------------------------------------------------

  private static final String[] TEAMS = {"billing", "sync", "mobile", "sharing"};

  private static final String[] TICKET_LINES = {
    "customer cannot download invoice PDF",
    "sync client uses 100%% CPU after update %d",
    "shared link expired too early for ticket %d",
    "refund requested for duplicate charge %d",
    "iOS login loop on build %d",
    "upload stuck at 99%% for a 4 GB file",
    "2FA code not accepted after phone change",
    "folder permissions lost after move"
  };

  private static void nightly(JsonMapper json, List<DemoRequest> second) {
    for (int i = 0; i < 48; i++) {
      // Two summaries are asked for twice: batch-service answers the copy from the same line.
      int day = i < 46 ? i : i - 46;
      String team = TEAMS[day % TEAMS.length];
      StringBuilder tickets =
          new StringBuilder("Summarize yesterday's support tickets of the ")
              .append(team)
              .append(" team (night ")
              .append(day + 1)
              .append(") in five bullet points with counts and the most urgent item:\n");
      for (int t = 0; t < 30; t++) {
        tickets
            .append("- #")
            .append(10_000 + day * 100 + t)
            .append(' ')
            .append(
                String.format(
                    Locale.ROOT, TICKET_LINES[(day + t) % TICKET_LINES.length], 3 + t % 9))
            .append('\n');
      }
      int tenant = day % 3 == 2 ? 1 : 0;
      ObjectNode body = chat(json, "gpt-5-mini", "nightly-job");
      body.putArray("messages").add(message(json, "user", tickets.toString()));
      second.add(
          new DemoRequest(Kind.NIGHTLY, tenant, "nightly", true, json.writeValueAsString(body)));
    }
  }

  // --- helpers ---------------------------------------------------------------------------------

  private static String user(int tenant, int n) {
    return (tenant == 0 ? "demo-user-" : "demo-b-user-") + n;
  }

  private static ObjectNode chat(JsonMapper json, String model, String user) {
    ObjectNode body = json.createObjectNode();
    body.put("model", model);
    body.put("user", user);
    return body;
  }

  private static ObjectNode message(JsonMapper json, String role, String content) {
    return json.createObjectNode().put("role", role).put("content", content);
  }
}
