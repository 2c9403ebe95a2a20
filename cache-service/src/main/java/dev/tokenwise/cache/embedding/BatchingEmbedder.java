package dev.tokenwise.cache.embedding;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * A micro-batching queue in front of an {@link EmbeddingSource}: callers get a {@link Mono} at
 * once; a dispatcher thread gathers what is queued (up to {@code maxBatch} texts, waiting at most
 * {@code maxWait} after the first) and runs each batch on one of {@code workers} threads. The queue
 * is bounded: when it is full the caller is refused at once (the cache then misses, it never makes
 * the request wait), so embedding load can never pile up behind the request threads.
 */
public final class BatchingEmbedder implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(BatchingEmbedder.class);

  private final EmbeddingSource source;
  private final BlockingQueue<Pending> queue;
  private final int maxBatch;
  private final long maxWaitNanos;
  private final ExecutorService workers;
  private final Semaphore freeWorkers;
  private final Thread dispatcher;
  private final AtomicInteger batches = new AtomicInteger();
  private volatile boolean running = true;

  public BatchingEmbedder(
      EmbeddingSource source, int maxBatch, Duration maxWait, int queueCapacity, int workers) {
    this.source = source;
    this.maxBatch = maxBatch;
    this.maxWaitNanos = maxWait.toNanos();
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    AtomicInteger workerNumber = new AtomicInteger();
    this.workers =
        Executors.newFixedThreadPool(
            workers,
            task -> {
              Thread thread = new Thread(task, "embedding-" + workerNumber.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    this.freeWorkers = new Semaphore(workers);
    this.dispatcher = new Thread(this::dispatch, "embedding-dispatcher");
    this.dispatcher.setDaemon(true);
    this.dispatcher.start();
  }

  /** The vector of {@code text}; errors with {@link RejectedExecutionException} when overloaded. */
  public Mono<float[]> embed(String text) {
    return Mono.create(
        sink -> {
          if (!running || !queue.offer(new Pending(text, sink))) {
            sink.error(new RejectedExecutionException("embedding queue is full"));
          }
        });
  }

  /** Embeds {@code texts} on the calling thread, bypassing the queue (bulk jobs, evaluation). */
  public List<float[]> embedAllNow(List<String> texts) {
    List<float[]> vectors = new ArrayList<>(texts.size());
    for (int from = 0; from < texts.size(); from += maxBatch) {
      vectors.addAll(source.embed(texts.subList(from, Math.min(texts.size(), from + maxBatch))));
    }
    return vectors;
  }

  public EmbeddingSource source() {
    return source;
  }

  /** Number of batches run so far (observability and tests). */
  public int batchCount() {
    return batches.get();
  }

  /** Texts waiting in the queue now. */
  public int queued() {
    return queue.size();
  }

  private void dispatch() {
    while (running) {
      try {
        Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        // Wait for a worker first: while all are busy the queue keeps filling, so the next batch
        // is larger rather than the workers' backlog longer.
        freeWorkers.acquire();
        List<Pending> batch = new ArrayList<>(maxBatch);
        batch.add(first);
        long deadline = System.nanoTime() + maxWaitNanos;
        while (batch.size() < maxBatch) {
          long left = deadline - System.nanoTime();
          Pending next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
          if (next == null) {
            break;
          }
          batch.add(next);
        }
        workers.execute(() -> run(batch));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void run(List<Pending> batch) {
    try {
      List<String> texts = new ArrayList<>(batch.size());
      for (Pending pending : batch) {
        texts.add(pending.text());
      }
      List<float[]> vectors = source.embed(texts);
      batches.incrementAndGet();
      for (int i = 0; i < batch.size(); i++) {
        batch.get(i).sink().success(vectors.get(i));
      }
    } catch (RuntimeException e) {
      log.warn("Embedding a batch of {} failed: {}", batch.size(), e.toString());
      for (Pending pending : batch) {
        pending.sink().error(e);
      }
    } finally {
      freeWorkers.release();
    }
  }

  @Override
  public void close() {
    running = false;
    dispatcher.interrupt();
    workers.shutdownNow();
    Pending left;
    while ((left = queue.poll()) != null) {
      left.sink().error(new RejectedExecutionException("embedder closed"));
    }
  }

  private record Pending(String text, MonoSink<float[]> sink) {}
}
