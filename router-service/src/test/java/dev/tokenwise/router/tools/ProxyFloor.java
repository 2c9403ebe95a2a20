package dev.tokenwise.router.tools;

import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.Locale;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

/**
 * The floor under the router's CPU per request, for the router benchmark ({@code
 * router-service/bench/latency.sh cpu} with {@code FLOOR=<mode>}): a proxy that forwards {@code
 * POST /v1/chat/completions} to the provider simulator and returns its answer, doing nothing else —
 * no JSON, no tenant, no usage event. What it costs per request is what the serving stack alone
 * costs, so the router's figure minus this one is the router's own work.
 *
 * <ul>
 *   <li>{@code netty}: reactor-netty's own server handler and a pooled reactor-netty client; the
 *       body passed through as buffers.
 *   <li>{@code webflux}: Spring WebFlux's functional endpoint on the same server, calling out
 *       through {@link WebClient} on the same pooled client (how the router is built), without
 *       observations.
 *   <li>{@code webflux-observed}: the same with a server and a client observation per request, as
 *       Spring Boot sets them up (timers in a meter registry).
 * </ul>
 *
 * <p>Usage: {@code ProxyFloor <mode> <port> <simulator base URL>}; runs until killed.
 */
public final class ProxyFloor {

  private static final String PATH = "/v1/chat/completions";
  private static final String PROVIDER_KEY = "Bearer sk-sim";

  private ProxyFloor() {}

  public static void main(String[] args) {
    if (args.length < 3) {
      System.err.println("usage: ProxyFloor <netty|webflux|webflux-observed> <port> <simulator>");
      System.exit(2);
    }
    String mode = args[0].toLowerCase(Locale.ROOT);
    int port = Integer.parseInt(args[1]);
    String upstream = args[2];
    HttpClient client =
        HttpClient.create(ConnectionProvider.builder("floor").maxConnections(500).build())
            .baseUrl(upstream)
            .responseTimeout(Duration.ofSeconds(30));
    DisposableServer server =
        switch (mode) {
          case "netty" -> netty(port, client);
          case "webflux" -> webflux(port, client, ObservationRegistry.NOOP);
          case "webflux-observed" -> webflux(port, client, observed());
          default -> throw new IllegalArgumentException("unknown mode: " + mode);
        };
    System.out.println("ProxyFloor " + mode + " on port " + server.port() + " -> " + upstream);
    server.onDispose().block();
  }

  private record Reply(HttpResponseStatus status, byte[] body) {}

  private static DisposableServer netty(int port, HttpClient client) {
    HttpClient provider =
        client.headers(
            h ->
                h.set(HttpHeaderNames.AUTHORIZATION, PROVIDER_KEY)
                    .set(HttpHeaderNames.CONTENT_TYPE, MediaType.APPLICATION_JSON_VALUE));
    return HttpServer.create()
        .host("127.0.0.1")
        .port(port)
        .route(
            routes ->
                routes.post(
                    PATH,
                    (request, response) ->
                        provider
                            .post()
                            .uri(PATH)
                            .send(ByteBufFlux.fromInbound(request.receive().retain()))
                            .responseSingle(
                                (answer, body) ->
                                    body.asByteArray()
                                        .map(bytes -> new Reply(answer.status(), bytes)))
                            .flatMap(
                                reply ->
                                    response
                                        .status(reply.status())
                                        .header(
                                            HttpHeaderNames.CONTENT_TYPE,
                                            MediaType.APPLICATION_JSON_VALUE)
                                        .sendByteArray(Mono.just(reply.body()))
                                        .then())))
        .bindNow();
  }

  private static DisposableServer webflux(
      int port, HttpClient client, ObservationRegistry observations) {
    WebClient provider =
        WebClient.builder()
            .clientConnector(new ReactorClientHttpConnector(client))
            .defaultHeader("Authorization", PROVIDER_KEY)
            .observationRegistry(observations)
            .build();
    RouterFunction<ServerResponse> route =
        RouterFunctions.route(
            RequestPredicates.POST(PATH),
            request ->
                request
                    .bodyToMono(byte[].class)
                    .flatMap(
                        body ->
                            provider
                                .post()
                                .uri(PATH)
                                .contentType(MediaType.APPLICATION_JSON)
                                .bodyValue(body)
                                .exchangeToMono(
                                    answer ->
                                        answer
                                            .bodyToMono(byte[].class)
                                            .flatMap(
                                                bytes ->
                                                    ServerResponse.status(answer.statusCode())
                                                        .contentType(MediaType.APPLICATION_JSON)
                                                        .bodyValue(bytes)))));
    var handler =
        WebHttpHandlerBuilder.webHandler(RouterFunctions.toWebHandler(route))
            .observationRegistry(observations)
            .build();
    return HttpServer.create()
        .host("127.0.0.1")
        .port(port)
        .handle(new ReactorHttpHandlerAdapter(handler))
        .bindNow();
  }

  /** Observations recorded as timers, as Spring Boot's actuator records them. */
  private static ObservationRegistry observed() {
    ObservationRegistry registry = ObservationRegistry.create();
    registry
        .observationConfig()
        .observationHandler(new DefaultMeterObservationHandler(new SimpleMeterRegistry()));
    return registry;
  }
}
