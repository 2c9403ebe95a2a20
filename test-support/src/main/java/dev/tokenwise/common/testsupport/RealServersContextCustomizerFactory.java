package dev.tokenwise.common.testsupport;

import java.util.List;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.TestContextAnnotationUtils;

/** Turns {@link RealServers} on a test class into a {@link RealServersContextCustomizer}. */
public final class RealServersContextCustomizerFactory implements ContextCustomizerFactory {

  @Override
  public ContextCustomizer createContextCustomizer(
      Class<?> testClass, List<ContextConfigurationAttributes> configAttributes) {
    RealServers annotation =
        TestContextAnnotationUtils.findMergedAnnotation(testClass, RealServers.class);
    if (annotation == null) {
      return null;
    }
    return new RealServersContextCustomizer(
        TestServers.backend(), annotation.redis(), annotation.postgres());
  }
}
