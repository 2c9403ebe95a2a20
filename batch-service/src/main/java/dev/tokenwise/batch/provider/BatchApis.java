package dev.tokenwise.batch.provider;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/** The batch API of each provider. */
@Component
public class BatchApis {

  private final Map<Provider, BatchApi> apis = new EnumMap<>(Provider.class);

  BatchApis(List<BatchApi> apis) {
    apis.forEach(api -> this.apis.put(api.provider(), api));
  }

  public BatchApi of(Provider provider) {
    return apis.get(provider);
  }
}
