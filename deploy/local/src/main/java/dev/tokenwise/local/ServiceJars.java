package dev.tokenwise.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The services' executable jars, copied into this jar at build time under {@code services/} and
 * unpacked to a directory at start, because {@code java -jar} needs a file.
 */
final class ServiceJars {

  private ServiceJars() {}

  static Path extract(Service service, Path directory) throws IOException {
    String resource = "services/" + service.artifactId() + ".jar";
    Files.createDirectories(directory);
    Path jar = directory.resolve(service.artifactId() + ".jar");
    try (InputStream in = ServiceJars.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException(
            resource
                + " is not on the classpath: build the whole reactor (./mvnw -B -DskipTests"
                + " package) so deploy/local can copy the service jars in");
      }
      Files.copy(in, jar, StandardCopyOption.REPLACE_EXISTING);
    }
    return jar;
  }
}
