#!/usr/bin/env bash
# The router's added latency on the cache-miss path (issue 3 §8; BENCHMARKS.md, router-service):
# POST /v1/chat/completions, non-stream, one small gpt-5-mini request, at fixed offered loads,
# against the provider simulator directly, through nginx (a plain reverse proxy: the floor) and
# through the router. Prints p50/p99 of each and the added latency over direct.
#
# Run from the repository root on a quiet machine:
#   ./mvnw -B -q -pl provider-simulator,router-service -am package -DskipTests   # once
#   router-service/bench/latency.sh [rates (default "100 1000")] [seconds per run (default 30)]
#   router-service/bench/latency.sh cpu      # instead: the router's CPU time per request (below)
#
# Needs nginx (Debian: apt-get install -y nginx; installed here when absent and run as root) and
# a JDK 17. Redis: redis-server from PATH, else the Linux binary inside embedded-redis in ~/.m2.
# Load comes from router-service's FixedRateLoad (JDK only, run as a single source file): requests
# on a fixed schedule, latency from each request's scheduled time (coordinated omission corrected,
# as wrk2 does; Debian's wrk has no fixed rate). The router runs with the exact cache off (no
# cache-service), usage events to Redis, no budgets or token limits.
#
# "cpu" mode measures what latency cannot on a shared machine: the router process's CPU time
# (utime + stime from /proc/<pid>/stat) per request, over wrk runs at full speed (8 connections,
# Debian's wrk), after 2 minutes of warm-up; it prints one figure per 30 s run.
#
# CPU_RATE=<requests per second> measures the three runs at that fixed rate (FixedRateLoad)
# instead of at full speed: the router is then not saturated, and the figure varies less with
# how the two cores are shared between it and the load generator.
#
# ROUTER_JAVA_OPTS adds JVM options to the router alone (CACHE_JAVA_OPTS to cache-service), e.g. a
# JFR recording:
#   ROUTER_JAVA_OPTS="-XX:StartFlightRecording=delay=120s,duration=30s,settings=profile,filename=/tmp/r.jfr"
#
# FLOOR=nginx measures nginx's worker instead (cpu mode): the same forwarding in C, for scale.
# FLOOR=<netty|webflux|webflux-observed> measures, in the router's place, a proxy that only
# forwards the request to the simulator and its answer back (router-service's test class
# dev.tokenwise.router.tools.ProxyFloor): what the serving stack alone costs per request. It runs on
# the test classpath, written once with
#   ./mvnw -B -q -pl router-service -am test-compile dependency:build-classpath \
#     -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
# JAVA=<path to java> runs the router (or the floor) on another JDK.
#
# HIT=exact measures the exact-cache-hit path instead of the cache-miss path: cache-service is
# started too (its jar from `./mvnw -B -q -pl cache-service -am package -DskipTests`), the router
# looks every request up in it, and since every request is the same, all but the first are
# answered from the exact cache without calling the simulator. cpu mode then also prints
# cache-service's CPU per request. In latency mode the router's rows are then exact hits while
# the direct and nginx rows still call the simulator.
set -euo pipefail

MODE=latency
if [ "${1:-}" = cpu ]; then
  MODE=cpu
  shift
fi
RATES=${1:-"100 1000"}
SECONDS_PER_RUN=${2:-30}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/tokenwise-bench.XXXXXX)
SIM_PORT=${SIM_PORT:-38090}
ROUTER_PORT=${ROUTER_PORT:-38080}
NGINX_PORT=${NGINX_PORT:-38088}
REDIS_PORT=${REDIS_PORT:-36379}
KEY=tw-bench-key
LOAD="$ROOT/router-service/src/test/java/dev/tokenwise/router/FixedRateLoad.java"
SIM_JAR=${SIM_JAR:-$(ls "$ROOT"/provider-simulator/target/provider-simulator-*.jar | grep -v original | head -1)}
ROUTER_JAR=${ROUTER_JAR:-$(ls "$ROOT"/router-service/target/router-service-*.jar | grep -v original | head -1)}
CACHE_PORT=${CACHE_PORT:-38081}
SERVICE_SECRET=${TOKENWISE_SERVICE_SECRET:-bench-only-service-secret-0123456789abcdef}
CACHE_ARGS=(--tokenwise.router.cache.enabled=false)
# The measured request. Capped at 16 output tokens, the simulator's answer ends by length, and the
# router never stores a cut-off answer: with HIT=exact the cap is one the answer stays under.
BODY='{"model":"gpt-5-mini","messages":[{"role":"user","content":"hello"}],"max_completion_tokens":16}'
if [ "${HIT:-}" = exact ]; then
  BODY='{"model":"gpt-5-mini","messages":[{"role":"user","content":"hello"}],"max_completion_tokens":256}'
  CACHE_JAR=${CACHE_JAR:-$(ls "$ROOT"/cache-service/target/cache-service-*.jar | grep -v original | head -1)}
  CACHE_ARGS=(--tokenwise.router.cache.enabled=true
    --tokenwise.router.cache.base-url="http://127.0.0.1:$CACHE_PORT")
elif [ -n "${HIT:-}" ]; then
  echo "HIT=$HIT: only HIT=exact is measured" >&2
  exit 2
fi
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
}
trap cleanup EXIT

if ! command -v nginx >/dev/null; then
  apt-get install -y nginx >/dev/null
fi
REDIS=$(command -v redis-server || true)
if [ -z "$REDIS" ]; then
  JAR=$(ls ~/.m2/repository/com/github/codemonstur/embedded-redis/*/embedded-redis-*.jar | tail -1)
  unzip -q -o -j "$JAR" redis-server-6.2.6-v5-linux-amd64 -d "$WORK"
  REDIS="$WORK/redis-server-6.2.6-v5-linux-amd64"
  chmod +x "$REDIS"
fi

"$REDIS" --port "$REDIS_PORT" --save "" --appendonly no >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
java -Xmx256m -jar "$SIM_JAR" --server.port="$SIM_PORT" --logging.level.root=WARN \
  >"$WORK/simulator.log" 2>&1 &
PIDS+=($!)
JAVA=${JAVA:-java}
CACHE_PID=
if [ "${HIT:-}" = exact ]; then
  TOKENWISE_SERVICE_SECRET=$SERVICE_SECRET "$JAVA" -Xmx512m ${CACHE_JAVA_OPTS:-} -jar "$CACHE_JAR" \
    --server.port="$CACHE_PORT" --spring.data.redis.port="$REDIS_PORT" \
    --logging.level.root=WARN >"$WORK/cache.log" 2>&1 &
  PIDS+=($!)
  CACHE_PID=$!
fi
# The router signs its calls to the other services (cache-service when HIT=exact) and will not
# start without the deployment's service secret.
if [ "${FLOOR:-}" = nginx ]; then
  : # nginx itself is measured, below
elif [ -n "${FLOOR:-}" ]; then
  CP="$ROOT/router-service/target/test-classes:$ROOT/router-service/target/classes:$(cat "$ROOT/router-service/target/cp.txt")"
  "$JAVA" -Xmx512m ${ROUTER_JAVA_OPTS:-} -cp "$CP" dev.tokenwise.router.tools.ProxyFloor "$FLOOR" \
    "$ROUTER_PORT" "http://127.0.0.1:$SIM_PORT" >"$WORK/router.log" 2>&1 &
else
TOKENWISE_SERVICE_SECRET=$SERVICE_SECRET \
OPENAI_API_KEY=sk-sim "$JAVA" -Xmx512m ${ROUTER_JAVA_OPTS:-} -jar "$ROUTER_JAR" \
  --server.port="$ROUTER_PORT" --spring.data.redis.port="$REDIS_PORT" \
  "${CACHE_ARGS[@]}" \
  --tokenwise.router.providers.openai.base-url="http://127.0.0.1:$SIM_PORT" \
  "--tokenwise.router.tenants[0].id=bench" \
  "--tokenwise.router.tenants[0].key-hashes[0]=$(printf '%s' "$KEY" | sha256sum | cut -d' ' -f1)" \
  --tokenwise.router.usage.spool-dir="$WORK/spool" \
  --logging.level.root=WARN >"$WORK/router.log" 2>&1 &
fi
if [ "${FLOOR:-}" != nginx ]; then
  PIDS+=($!)
  ROUTER_PID=$!
fi

mkdir -p "$WORK/nginx"
cat >"$WORK/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx; proxy_temp_path $WORK/nginx;
  fastcgi_temp_path $WORK/nginx; uwsgi_temp_path $WORK/nginx; scgi_temp_path $WORK/nginx;
  upstream simulator { server 127.0.0.1:$SIM_PORT; keepalive 256; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://simulator;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
nginx -c "$WORK/nginx.conf"

direct="http://127.0.0.1:$SIM_PORT/v1/chat/completions"
proxied="http://127.0.0.1:$NGINX_PORT/v1/chat/completions"
routed="http://127.0.0.1:$ROUTER_PORT/v1/chat/completions"
if [ "${FLOOR:-}" = nginx ]; then
  # the one worker process (worker_processes 1) stands in for the router
  sleep 1
  ROUTER_PID=$(pgrep -P "$(cat "$WORK/nginx.pid")" | head -1)
  routed=$proxied
fi
if [ -n "$CACHE_PID" ]; then
  until curl -sf -o /dev/null "http://127.0.0.1:$CACHE_PORT/actuator/health"; do
    if ! kill -0 "$CACHE_PID" 2>/dev/null; then
      echo "cache-service exited; its log:" >&2
      tail -40 "$WORK/cache.log" >&2
      exit 1
    fi
    sleep 2
  done
fi
for url in "$direct" "$routed"; do
  until curl -sf -o /dev/null -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d '{"model":"gpt-5-mini","messages":[{"role":"user","content":"hi"}]}' "$url"; do
    if ! kill -0 "$ROUTER_PID" 2>/dev/null; then
      echo "the router exited; its log:" >&2
      tail -40 "$WORK/router.log" >&2
      exit 1
    fi
    sleep 2
  done
done

if [ "$MODE" = cpu ]; then
  command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
  cat >"$WORK/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $KEY"
EOF
  ticks() { awk '{print $14 + $15}' "/proc/${1:-$ROUTER_PID}/stat"; }
  systicks() { awk '{print $15}' "/proc/$ROUTER_PID/stat"; }
  switches() { cat /proc/$ROUTER_PID/task/*/status | awk '/ctxt_switches/ {n += $2} END {print n}'; }
  echo "date: $(date -u +%FT%TZ)  machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)  uptime: $(uptime)"
  echo "measured: ${FLOOR:+floor proxy }${FLOOR:-router}${HIT:+, $HIT cache hits}  java: $("$JAVA" -version 2>&1 | head -1)"
  for run in warm-up warm-up warm-up warm-up 1 2 3; do
    before=$(ticks)
    cache_before=$([ -n "$CACHE_PID" ] && ticks "$CACHE_PID" || echo 0)
    sys_before=$(systicks)
    switches_before=$(switches)
    if [ -n "${CPU_RATE:-}" ] && [ "$run" != warm-up ]; then
      java "$LOAD" "$routed" "$CPU_RATE" 30 "$KEY" "$BODY" >/dev/null
      requests=$((CPU_RATE * 30))
    else
      requests=$(wrk -t2 -c8 -d30s -s "$WORK/post.lua" "$routed" | awk '/requests in/ {print $1}')
    fi
    after=$(ticks)
    cache_after=$([ -n "$CACHE_PID" ] && ticks "$CACHE_PID" || echo 0)
    awk -v run="$run" -v t="$(getconf CLK_TCK)" -v c=$((after - before)) -v r="$requests" \
      -v s=$(($(systicks) - sys_before)) -v w=$(($(switches) - switches_before)) \
      'BEGIN { printf "%s: %d requests, router CPU %.1f s, %.0f CPU-us per request (%.0f of them in the kernel), %.1f context switches per request\n", run, r, c / t, c / t * 1e6 / r, s / t * 1e6 / r, w / r }'
    if [ -n "$CACHE_PID" ]; then
      awk -v t="$(getconf CLK_TCK)" -v c=$((cache_after - cache_before)) -v r="$requests" \
        'BEGIN { printf "   cache-service CPU %.1f s, %.0f CPU-us per request\n", c / t, c / t * 1e6 / r }'
    fi
  done
  if [ -n "$CACHE_PID" ]; then
    curl -s "http://127.0.0.1:$CACHE_PORT/actuator/prometheus" | awk '
      /^tokenwise_cache_lookup_duration_seconds_count\{.*kind="exact"/ {
        match($0, /result="[a-z]+"/); r = substr($0, RSTART + 8, RLENGTH - 9); n[r] += $NF }
      END { printf "cache-service exact lookups, whole run: %d hits, %d misses, %d errors\n", n["hit"], n["miss"], n["error"] }'
  fi
  echo "uptime: $(uptime)"
  exit 0
fi

load() { java "$LOAD" "$1" "$2" "$3" "$KEY" "$BODY"; }
field() { sed -E "s/.* $1=([0-9.]+).*/\1/" <<<"$2"; }

WARMUP=${WARMUP:-30}
echo "warm-up (JIT): $WARMUP s at 500 req/s through each path"
for url in "$direct" "$proxied" "$routed"; do load "$url" 500 "$WARMUP" >/dev/null; done

echo "date: $(date -u +%FT%TZ)  machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "uptime: $(uptime)"
echo "java: $("$JAVA" -version 2>&1 | head -1)  nginx: $(nginx -v 2>&1)"
for rate in $RATES; do
  d=$(load "$direct" "$rate" "$SECONDS_PER_RUN")
  n=$(load "$proxied" "$rate" "$SECONDS_PER_RUN")
  r=$(load "$routed" "$rate" "$SECONDS_PER_RUN")
  echo "== $rate req/s offered, $SECONDS_PER_RUN s each"
  echo "simulator direct  $d"
  echo "nginx → simulator $n"
  echo "router → simulator $r"
  awk -v d50="$(field p50 "$d")" -v d99="$(field p99 "$d")" \
    -v n50="$(field p50 "$n")" -v n99="$(field p99 "$n")" \
    -v r50="$(field p50 "$r")" -v r99="$(field p99 "$r")" 'BEGIN {
      printf "added over direct: nginx p50 %.3f ms p99 %.3f ms | router p50 %.3f ms p99 %.3f ms", n50-d50, n99-d99, r50-d50, r99-d99
      printf " (target: p50 <= 0.5 ms, p99 <= 2 ms at 500 req/s)\n" }'
done
echo "uptime: $(uptime)"
