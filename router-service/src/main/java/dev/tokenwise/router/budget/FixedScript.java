package dev.tokenwise.router.budget;

import org.springframework.data.redis.core.script.DigestUtils;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * A Lua script with its SHA-1 computed once. Spring Data Redis's {@code DefaultRedisScript} guards
 * its lazily computed SHA-1 with a {@code ReentrantLock} on every call; concurrent requests on
 * Netty threads contend for it and park, which is blocking on the event loop.
 */
record FixedScript<T>(String script, Class<T> resultType, String sha1) implements RedisScript<T> {

  static <T> FixedScript<T> of(String script, Class<T> resultType) {
    return new FixedScript<>(script, resultType, DigestUtils.sha1DigestAsHex(script));
  }

  @Override
  public String getSha1() {
    return sha1;
  }

  @Override
  public Class<T> getResultType() {
    return resultType;
  }

  @Override
  public String getScriptAsString() {
    return script;
  }
}
