package dev.tokenwise.cache.semantic;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnByteVectorField;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexCommit;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.KeepOnlyLastCommitDeletionPolicy;
import org.apache.lucene.index.SnapshotDeletionPolicy;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnByteVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.util.BytesRef;

/**
 * The in-memory HNSW index of one tenant/route/model: Lucene byte vectors (each unit vector scaled
 * to int8, 1 byte per dimension instead of 4), searched with cosine and filtered to one
 * conversation context. It only proposes candidates: the caller re-checks each against the entry in
 * Redis (exact float cosine, guards, not expired), so quantisation error can cost a hit but never
 * serve a wrong one.
 *
 * <p>Lucene's own scalar-quantised format keeps the float vectors beside the int8 ones (to
 * re-quantise on merge), which would cost 4 bytes per dimension; quantising here keeps only the
 * bytes. Thread-safe: writes go to Lucene's thread-safe {@link IndexWriter}, searches to a
 * near-real-time {@link SearcherManager}.
 */
final class VectorIndex implements AutoCloseable {

  static final String ID = "id";
  static final String CONTEXT = "ctx";
  static final String VECTOR = "vec";
  static final String EXPIRES = "exp";

  /** The writer's buffer in normal operation: small, so that searches see new entries soon. */
  private static final double RAM_BUFFER_MB = 64;

  /**
   * The writer's buffer during a bulk load: large enough that 100,000s of entries flush as one
   * segment, whose HNSW graph is built once while indexing, instead of many small segments merged
   * afterwards (a merge rebuilds the graph of every segment but the largest: most of a rebuild's
   * CPU when it was merged to one segment).
   */
  private static final double BULK_RAM_BUFFER_MB = 1024;

  /** More segments than this after a bulk load are merged down to it (a bounded merge). */
  static final int MAX_SEGMENTS_AFTER_LOAD = 4;

  /** Threads that build the merged HNSW graph in a merge (Lucene's concurrent graph merge). */
  private static final int MERGE_WORKERS = Math.max(1, Runtime.getRuntime().availableProcessors());

  private static final ExecutorService MERGE_EXECUTOR =
      MERGE_WORKERS == 1 ? null : Executors.newFixedThreadPool(MERGE_WORKERS, daemon());

  private final ByteBuffersDirectory directory;
  private final SnapshotDeletionPolicy commits =
      new SnapshotDeletionPolicy(new KeepOnlyLastCommitDeletionPolicy());
  private final IndexWriter writer;
  private final SearcherManager searchers;
  private final int dimension;

  /**
   * While set, {@link #refresh()} does nothing: a near-real-time reopen flushes the writer's buffer
   * as a segment, and a bulk load must reach the end as one segment (the sweep and local stores
   * refresh on their own schedule). Searches meanwhile see the index as it was.
   */
  private volatile boolean bulkLoading;

  VectorIndex(int dimension, int maxConnections, int beamWidth) {
    this(dimension, maxConnections, beamWidth, new ByteBuffersDirectory(), false);
  }

  private VectorIndex(
      int dimension,
      int maxConnections,
      int beamWidth,
      ByteBuffersDirectory directory,
      boolean existing) {
    this.dimension = dimension;
    this.directory = directory;
    KnnVectorsFormat hnsw =
        MERGE_EXECUTOR == null
            ? new Lucene99HnswVectorsFormat(maxConnections, beamWidth)
            : new Lucene99HnswVectorsFormat(
                maxConnections, beamWidth, MERGE_WORKERS, MERGE_EXECUTOR);
    IndexWriterConfig config =
        new IndexWriterConfig()
            .setCodec(
                new Lucene912Codec() {
                  @Override
                  public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                    return hnsw;
                  }
                })
            .setRAMBufferSizeMB(RAM_BUFFER_MB)
            .setIndexDeletionPolicy(commits)
            .setOpenMode(
                existing ? IndexWriterConfig.OpenMode.APPEND : IndexWriterConfig.OpenMode.CREATE)
            .setCommitOnClose(false);
    // Fewer, larger segments: each search visits every segment's graph.
    TieredMergePolicy merges = new TieredMergePolicy();
    merges.setSegmentsPerTier(4);
    config.setMergePolicy(merges);
    try {
      this.writer = new IndexWriter(directory, config);
      this.searchers = new SearcherManager(writer, null);
    } catch (IOException e) {
      throw new UncheckedIOException("in-memory index cannot fail to open", e);
    }
  }

  /**
   * Lucene's own files of this index as one blob ({@link #restore} reads it back): a commit of
   * everything added so far, then the files that commit names. Writes and searches go on meanwhile
   * (the commit is held by a snapshot deletion policy while its files are copied). Empty during a
   * bulk load, which a snapshot must not cut in two.
   */
  java.util.Optional<byte[]> snapshot() {
    if (bulkLoading) {
      return java.util.Optional.empty();
    }
    try {
      writer.commit();
      IndexCommit commit = commits.snapshot();
      try {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
        out.writeInt(SNAPSHOT_FORMAT);
        out.writeInt(dimension);
        List<String> files = new ArrayList<>(commit.getFileNames());
        out.writeInt(files.size());
        byte[] buffer = new byte[1 << 16];
        for (String file : files) {
          out.writeUTF(file);
          try (IndexInput in = directory.openInput(file, IOContext.READONCE)) {
            long length = in.length();
            out.writeLong(length);
            for (long done = 0; done < length; ) {
              int chunk = (int) Math.min(buffer.length, length - done);
              in.readBytes(buffer, 0, chunk);
              out.write(buffer, 0, chunk);
              done += chunk;
            }
          }
        }
        out.flush();
        return java.util.Optional.of(bytes.toByteArray());
      } finally {
        commits.release(commit);
        writer.deleteUnusedFiles();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * An index from a {@link #snapshot()} blob; throws when the blob is not one (wrong format or
   * dimension, truncated, or files Lucene finds corrupt — its files carry their own checksums).
   */
  static VectorIndex restore(byte[] blob, int dimension, int maxConnections, int beamWidth)
      throws IOException {
    java.io.DataInputStream in =
        new java.io.DataInputStream(new java.io.ByteArrayInputStream(blob));
    if (in.readInt() != SNAPSHOT_FORMAT) {
      throw new IOException("not a semantic index snapshot");
    }
    if (in.readInt() != dimension) {
      throw new IOException("snapshot of another vector dimension");
    }
    ByteBuffersDirectory directory = new ByteBuffersDirectory();
    int files = in.readInt();
    byte[] buffer = new byte[1 << 16];
    for (int f = 0; f < files; f++) {
      String name = in.readUTF();
      long length = in.readLong();
      try (IndexOutput out = directory.createOutput(name, IOContext.DEFAULT)) {
        for (long done = 0; done < length; ) {
          int chunk = (int) Math.min(buffer.length, length - done);
          in.readFully(buffer, 0, chunk);
          out.writeBytes(buffer, 0, chunk);
          done += chunk;
        }
      }
    }
    // Reads every file's checksum footer: a flipped byte fails here, not in a later search.
    try (org.apache.lucene.index.CheckIndex check =
        new org.apache.lucene.index.CheckIndex(directory)) {
      check.setChecksumsOnly(true);
      if (!check.checkIndex().clean) {
        throw new IOException("snapshot index is corrupt");
      }
    }
    return new VectorIndex(dimension, maxConnections, beamWidth, directory, true);
  }

  private static final int SNAPSHOT_FORMAT = 0x54575331;

  /** Adds (or replaces) entry {@code entryId} (hex) of context {@code context} (hex). */
  void put(String entryId, String context, float[] vector, long expiresAtMillis) {
    if (vector.length != dimension) {
      throw new IllegalArgumentException(
          "vector has " + vector.length + " dimensions, the index " + dimension);
    }
    BytesRef id = new BytesRef(HexFormat.of().parseHex(entryId));
    Document doc = new Document();
    doc.add(new StringField(ID, id, Field.Store.NO));
    doc.add(new StoredField(ID, id));
    doc.add(
        new StringField(CONTEXT, new BytesRef(HexFormat.of().parseHex(context)), Field.Store.NO));
    doc.add(new KnnByteVectorField(VECTOR, quantize(vector), VectorSimilarityFunction.COSINE));
    doc.add(new LongPoint(EXPIRES, expiresAtMillis));
    try {
      writer.updateDocument(new Term(ID, id), doc);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void delete(String entryId) {
    try {
      writer.deleteDocuments(new Term(ID, new BytesRef(HexFormat.of().parseHex(entryId))));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Drops entries whose TTL has passed by {@code nowMillis}; returns whether any might have. */
  void deleteExpired(long nowMillis) {
    try {
      writer.deleteDocuments(LongPoint.newRangeQuery(EXPIRES, Long.MIN_VALUE, nowMillis));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Makes writes so far visible to searches (deferred to its end during a bulk load). */
  void refresh() {
    if (bulkLoading) {
      return;
    }
    try {
      searchers.maybeRefreshBlocking();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Up to {@code k} nearest entries of context {@code context}, nearest first. */
  List<Candidate> search(String context, float[] vector, int k) {
    try {
      IndexSearcher searcher = searchers.acquire();
      try {
        TermQuery filter =
            new TermQuery(new Term(CONTEXT, new BytesRef(HexFormat.of().parseHex(context))));
        TopDocs top =
            searcher.search(new KnnByteVectorQuery(VECTOR, quantize(vector), k, filter), k);
        List<Candidate> candidates = new ArrayList<>(top.scoreDocs.length);
        StoredFields stored = searcher.storedFields();
        for (ScoreDoc hit : top.scoreDocs) {
          BytesRef id = stored.document(hit.doc).getBinaryValue(ID);
          // Lucene's cosine score is (1 + cos) / 2.
          candidates.add(
              new Candidate(
                  HexFormat.of().formatHex(id.bytes, id.offset, id.offset + id.length),
                  2 * hit.score - 1));
        }
        return candidates;
      } finally {
        searchers.release(searcher);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Live entries visible to searches. */
  int size() {
    try {
      IndexSearcher searcher = searchers.acquire();
      try {
        return searcher.getIndexReader().numDocs();
      } finally {
        searchers.release(searcher);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Bytes held by the index files and the writer's buffers. */
  long ramBytesUsed() {
    try {
      long files = 0;
      for (String file : directory.listAll()) {
        files += directory.fileLength(file);
      }
      return files + writer.ramBytesUsed();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Buffers what follows as one segment, until {@link #endBulkLoad()}. */
  void beginBulkLoad() {
    writer.getConfig().setRAMBufferSizeMB(BULK_RAM_BUFFER_MB);
    bulkLoading = true;
  }

  /**
   * Makes a bulk load visible, as one segment when it fitted the bulk buffer; more than {@value
   * #MAX_SEGMENTS_AFTER_LOAD} segments are merged down to that many (each search visits every
   * segment's graph), never to one at any price.
   */
  void endBulkLoad() {
    bulkLoading = false;
    try {
      refresh();
      writer.getConfig().setRAMBufferSizeMB(RAM_BUFFER_MB);
      if (segmentCount() > MAX_SEGMENTS_AFTER_LOAD) {
        writer.forceMerge(MAX_SEGMENTS_AFTER_LOAD);
        refresh();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Segments visible to searches (each one HNSW graph). */
  int segmentCount() {
    try {
      IndexSearcher searcher = searchers.acquire();
      try {
        return searcher.getIndexReader().leaves().size();
      } finally {
        searchers.release(searcher);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Merges to one segment (fewer graphs to search, deleted docs gone); costly on a large index. */
  void compact() {
    try {
      writer.forceMerge(1);
      refresh();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      searchers.close();
      writer.rollback();
      directory.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static java.util.concurrent.ThreadFactory daemon() {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, "semantic-index-merge-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /**
   * A unit vector as int8: each component scaled by 127 over the largest magnitude. Cosine is
   * scale-invariant, so per-vector scaling loses only rounding (≤ 0.5/127 per component).
   */
  static byte[] quantize(float[] vector) {
    float max = 0;
    for (float v : vector) {
      max = Math.max(max, Math.abs(v));
    }
    byte[] bytes = new byte[vector.length];
    if (max == 0) {
      return bytes;
    }
    float scale = 127f / max;
    for (int i = 0; i < vector.length; i++) {
      bytes[i] = (byte) Math.round(vector[i] * scale);
    }
    return bytes;
  }

  /**
   * An index match.
   *
   * @param entryId the entry id (hex)
   * @param approximateSimilarity cosine over the int8 vectors
   */
  record Candidate(String entryId, double approximateSimilarity) {}
}
