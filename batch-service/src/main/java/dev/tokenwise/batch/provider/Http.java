package dev.tokenwise.batch.provider;

import java.net.http.HttpClient;
import java.time.Duration;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

/** One RestClient per upstream, on the JDK client, with the configured timeouts. */
final class Http {

  private Http() {}

  static RestClient client(ProviderProperties.Upstream upstream, Duration timeout) {
    JdkClientHttpRequestFactory factory =
        new JdkClientHttpRequestFactory(
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .build());
    factory.setReadTimeout(timeout);
    return RestClient.builder()
        .requestFactory(factory)
        .baseUrl(upstream.baseUrl().toString())
        .build();
  }
}
