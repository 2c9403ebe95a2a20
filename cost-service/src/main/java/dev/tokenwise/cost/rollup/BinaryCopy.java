package dev.tokenwise.cost.rollup;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;
import org.postgresql.util.ByteConverter;

/**
 * Rows for PostgreSQL's {@code COPY ... (FORMAT binary)}: each value in the type's own binary form,
 * so the server parses no text (no numeric, timestamp or UUID input functions, no CSV scanning).
 * The caller writes each row's fields in the table's column order, with the types the columns have:
 * a value of another type is refused by the server ("incorrect binary data format").
 *
 * <p>The format: a signature and two empty header fields; per row the number of fields, then each
 * field's length (-1 for NULL) and bytes; a trailer of -1.
 */
public final class BinaryCopy {

  private static final byte[] SIGNATURE = {
    'P',
    'G',
    'C',
    'O',
    'P',
    'Y',
    '\n',
    (byte) 0xFF,
    '\r',
    '\n',
    0,
    // flags (no OIDs), header extension length
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0
  };

  /** 2000-01-01T00:00:00Z, PostgreSQL's epoch for timestamps, in Unix seconds. */
  private static final long POSTGRES_EPOCH = 946_684_800L;

  private byte[] buffer;
  private int size;

  public BinaryCopy(int capacity) {
    buffer = new byte[Math.max(capacity, 64)];
    put(SIGNATURE, 0, SIGNATURE.length);
  }

  /** Starts a row of {@code fields} values. */
  public BinaryCopy row(int fields) {
    return int16(fields);
  }

  public BinaryCopy nullValue() {
    return int32(-1);
  }

  /** A {@code smallint} column. */
  public BinaryCopy int2(short value) {
    return int32(2).int16(value);
  }

  /** An {@code integer} column. */
  public BinaryCopy int4(int value) {
    return int32(4).int32(value);
  }

  /** A {@code bigint} column. */
  public BinaryCopy int8(long value) {
    return int32(8).int64(value);
  }

  /** A nullable {@code bigint} column. */
  public BinaryCopy int8(Long value) {
    return value == null ? nullValue() : int8(value.longValue());
  }

  /** A {@code uuid} column: its 16 bytes, most significant first. */
  public BinaryCopy uuid(UUID value) {
    if (value == null) {
      return nullValue();
    }
    return int32(16).int64(value.getMostSignificantBits()).int64(value.getLeastSignificantBits());
  }

  /** A nullable {@code text} column, in UTF-8. */
  public BinaryCopy text(String value) {
    if (value == null) {
      return nullValue();
    }
    int n = value.length();
    ensure(4 + n);
    int lengthAt = size;
    size += 4;
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c >= 0x80) {
        // Not ASCII: encoded whole (the common case, ids and names, is copied a byte a char).
        size = lengthAt;
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        int32(utf8.length);
        put(utf8, 0, utf8.length);
        return this;
      }
      buffer[size++] = (byte) c;
    }
    writeInt(lengthAt, n);
    return this;
  }

  /**
   * A {@code timestamptz} column: microseconds since 2000-01-01 UTC, the nanoseconds rounded as
   * PostgreSQL rounds a text timestamp's fraction (to the nearest microsecond, an exact half to
   * even), so the stored value is the one the text form would have stored.
   */
  public BinaryCopy timestamptz(Instant value) {
    if (value == null) {
      return nullValue();
    }
    return int32(8).int64(micros(value));
  }

  /** A {@code timestamptz} column at a whole second, given as Unix epoch seconds. */
  public BinaryCopy timestamptzSeconds(long epochSecond) {
    return int32(8).int64(Math.multiplyExact(epochSecond - POSTGRES_EPOCH, 1_000_000L));
  }

  /** A nullable {@code numeric} column, with the value's scale as its display scale. */
  public BinaryCopy numeric(BigDecimal value) {
    if (value == null) {
      return nullValue();
    }
    BigInteger unscaled = value.unscaledValue();
    if (unscaled.bitLength() >= 63 || !compactNumeric(unscaled.longValue(), value.scale())) {
      // Too wide for the arithmetic below (no price or token count is): the driver's encoder.
      byte[] bytes = ByteConverter.numeric(value);
      int32(bytes.length);
      put(bytes, 0, bytes.length);
    }
    return this;
  }

  private static final long[] POWERS_OF_TEN = {1, 10, 100, 1_000};

  /**
   * Writes {@code unscaled * 10^-scale} in {@code numeric}'s binary form (digit count, weight,
   * sign, display scale, then base-10000 digits, the first of which has the weight as its power)
   * with long arithmetic, and returns true; false, writing nothing, when a step would overflow.
   */
  private boolean compactNumeric(long unscaled, int scale) {
    boolean negative = unscaled < 0;
    long magnitude = Math.abs(unscaled);
    int displayScale = Math.max(scale, 0);
    try {
      for (int s = scale; s < 0; s++) {
        magnitude = Math.multiplyExact(magnitude, 10L);
      }
      int pad = (4 - displayScale % 4) % 4;
      magnitude = Math.multiplyExact(magnitude, POWERS_OF_TEN[pad]);
    } catch (ArithmeticException overflow) {
      return false;
    }
    int fractionGroups = (displayScale + 3) / 4;
    short[] groups = new short[5]; // 63 bits are at most 19 decimal digits: 5 groups of 4
    int n = 0;
    while (magnitude > 0) {
      groups[n++] = (short) (magnitude % 10_000);
      magnitude /= 10_000;
    }
    int lowest = 0;
    while (lowest < n && groups[lowest] == 0) {
      lowest++;
    }
    int digits = n - lowest;
    int32(8 + 2 * digits);
    int16(digits);
    int16(digits == 0 ? 0 : n - 1 - fractionGroups);
    int16(negative && digits > 0 ? 0x4000 : 0);
    int16(displayScale);
    for (int i = n - 1; i >= lowest; i--) {
      int16(groups[i]);
    }
    return true;
  }

  /**
   * The non-zero buckets of {@code hist} as two columns, a {@code smallint[]} of their indexes and
   * a {@code bigint[]} of their counts (both empty when every bucket is zero).
   */
  public BinaryCopy sparse(long[] hist) {
    int n = 0;
    for (long count : hist) {
      if (count != 0) {
        n++;
      }
    }
    arrayHeader(n, INT2);
    for (int i = 0; i < hist.length; i++) {
      if (hist[i] != 0) {
        int32(2).int16(i);
      }
    }
    arrayHeader(n, INT8);
    for (long count : hist) {
      if (count != 0) {
        int32(8).int64(count);
      }
    }
    return this;
  }

  private static final int INT2 = 21;
  private static final int INT8 = 20;

  /**
   * A one-dimensional array of {@code n} elements of the type {@code oid}, without NULLs, starting
   * at index 1 (an empty array has no dimension); its elements follow, each with its length.
   */
  private void arrayHeader(int n, int oid) {
    int length = 12 + (n == 0 ? 0 : 8) + n * (4 + (oid == INT2 ? 2 : 8));
    int32(length);
    int32(n == 0 ? 0 : 1).int32(0).int32(oid);
    if (n > 0) {
      int32(n).int32(1);
    }
  }

  /** Ends the data and returns it for {@code CopyManager.copyIn}. */
  public InputStream finish() {
    int16(-1);
    return new ByteArrayInputStream(buffer, 0, size);
  }

  /** The order PostgreSQL sorts UUIDs in, byte by byte unsigned ({@code UUID.compareTo} is not). */
  public static int uuidOrder(UUID a, UUID b) {
    int high = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
    return high != 0
        ? high
        : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits());
  }

  /**
   * {@code at} in PostgreSQL's timestamp microseconds. The server reads a text fraction with {@code
   * strtod} and rounds {@code fraction * 1e6} with {@code rint}; only a fraction whose nanoseconds
   * end in exactly 500 is a tie, and for those the same double arithmetic is repeated here.
   */
  static long micros(Instant at) {
    int nanos = at.getNano();
    long micros = nanos / 1_000;
    int rest = nanos % 1_000;
    if (rest > 500) {
      micros++;
    } else if (rest == 500) {
      String fraction = "0." + String.format("%09d", nanos);
      micros = (long) Math.rint(Double.parseDouble(fraction) * 1_000_000);
    }
    return Math.addExact(
        Math.multiplyExact(at.getEpochSecond() - POSTGRES_EPOCH, 1_000_000L), micros);
  }

  private BinaryCopy int16(int value) {
    ensure(2);
    buffer[size++] = (byte) (value >>> 8);
    buffer[size++] = (byte) value;
    return this;
  }

  private BinaryCopy int32(int value) {
    ensure(4);
    writeInt(size, value);
    size += 4;
    return this;
  }

  private BinaryCopy int64(long value) {
    ensure(8);
    for (int shift = 56; shift >= 0; shift -= 8) {
      buffer[size++] = (byte) (value >>> shift);
    }
    return this;
  }

  private void writeInt(int at, int value) {
    buffer[at] = (byte) (value >>> 24);
    buffer[at + 1] = (byte) (value >>> 16);
    buffer[at + 2] = (byte) (value >>> 8);
    buffer[at + 3] = (byte) value;
  }

  private void put(byte[] bytes, int offset, int length) {
    ensure(length);
    System.arraycopy(bytes, offset, buffer, size, length);
    size += length;
  }

  private void ensure(int more) {
    if (size + more > buffer.length) {
      buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
    }
  }
}
