package dev.tokenwise.common.redis;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.springframework.dao.DataAccessException;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.RedisStreamCommands.XClaimOptions;
import org.springframework.data.redis.connection.StringRedisConnection;
import org.springframework.data.redis.connection.stream.Consumer;
import org.springframework.data.redis.connection.stream.PendingMessage;
import org.springframework.data.redis.connection.stream.PendingMessages;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.RecordId;
import org.springframework.data.redis.connection.stream.StringRecord;

/**
 * What every consumer of a Tokenwise stream does alike with its consumer group, on a blocking
 * connection of its own thread: create the group, take over entries a dead consumer left pending,
 * name the consumer. The consumers themselves (what an entry means, when it is acknowledged) stay
 * with their services.
 */
public final class StreamGroups {

  private StreamGroups() {}

  /**
   * Creates {@code group} on {@code stream} (and the stream, when absent), reading from the
   * stream's start so entries written before the group existed are read too; an existing group is
   * left as it is.
   */
  public static void createIfAbsent(StringRedisConnection redis, String stream, String group) {
    try {
      redis.xGroupCreate(stream, ReadOffset.from("0-0"), group, true);
    } catch (DataAccessException e) {
      if (!String.valueOf(rootMessage(e)).contains("BUSYGROUP")) {
        throw e;
      }
    }
  }

  /**
   * Takes over the entries other consumers of {@code consumer}'s group have left pending longer
   * than {@code minIdle} (XPENDING IDLE + XCLAIM, which is what XAUTOCLAIM does; Spring Data Redis
   * exposes only these two), {@code pageSize} at a time, and hands each page taken to {@code
   * handler}, while {@code running} says so. This consumer's own pending entries are left to it: it
   * re-reads them itself.
   *
   * @return how many entries were taken over
   */
  public static int claimAbandoned(
      StringRedisConnection redis,
      String stream,
      Consumer consumer,
      int pageSize,
      Duration minIdle,
      BooleanSupplier running,
      java.util.function.Consumer<List<StringRecord>> handler) {
    Range<String> range = Range.unbounded();
    int taken = 0;
    while (running.getAsBoolean()) {
      PendingMessages page =
          redis.xPending(stream, consumer.getGroup(), range, (long) pageSize, minIdle);
      if (page == null || page.isEmpty()) {
        return taken;
      }
      List<RecordId> others = new ArrayList<>();
      RecordId last = null;
      for (PendingMessage message : page) {
        last = message.getId();
        if (!message.getConsumerName().equals(consumer.getName())) {
          others.add(message.getId());
        }
      }
      if (!others.isEmpty()) {
        List<StringRecord> claimed =
            redis.xClaim(
                stream,
                consumer.getGroup(),
                consumer.getName(),
                XClaimOptions.minIdle(minIdle).ids(others.toArray(RecordId[]::new)));
        taken += claimed.size();
        handler.accept(claimed);
      }
      if (page.size() < pageSize) {
        return taken;
      }
      range = Range.rightUnbounded(Range.Bound.exclusive(last.getValue()));
    }
    return taken;
  }

  /**
   * A consumer's name: {@code configured} when set, else this host's ({@code HOSTNAME}, else the
   * local host name, else {@code fallback}) followed by a short random suffix, so two replicas on
   * one host, or a replica and its restarted self, never share a name (a restarted replica's
   * entries pending under its old name are taken over once they are idle long enough).
   */
  public static String consumerName(String configured, String fallback) {
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    String host = System.getenv("HOSTNAME");
    if (host == null || host.isBlank()) {
      try {
        host = InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        host = fallback;
      }
    }
    return host + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** The innermost cause's message. */
  public static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage();
  }
}
