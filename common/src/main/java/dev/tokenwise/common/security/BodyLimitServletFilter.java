package dev.tokenwise.common.security;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Bounds every request body in bytes: a declared length over the limit is refused with a 413
 * problem before anything is read; a chunked body fails as soon as it passes the limit, before a
 * handler has seen all of it (the handler's read fails, so nothing is stored).
 */
public final class BodyLimitServletFilter implements Filter {

  private final long maxBytes;
  private final String setting;

  /**
   * @param maxBytes the largest body accepted
   * @param setting the property that sets it, named in the refusal
   */
  public BodyLimitServletFilter(long maxBytes, String setting) {
    this.maxBytes = maxBytes;
    this.setting = setting;
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest request = (HttpServletRequest) req;
    long declared = request.getContentLengthLong();
    if (declared > maxBytes) {
      HttpServletResponse response = (HttpServletResponse) res;
      response.setStatus(413);
      response.setContentType("application/problem+json");
      response.setCharacterEncoding(StandardCharsets.UTF_8.name());
      response
          .getWriter()
          .write(
              "{\"type\":\"https://tokenwise.dev/problems/body-too-large\",\"title\":\"Body too"
                  + " large\",\"status\":413,\"detail\":\"The body is "
                  + declared
                  + " bytes; the limit is "
                  + maxBytes
                  + " bytes ("
                  + setting
                  + ").\"}");
      return;
    }
    chain.doFilter(declared < 0 ? new Bounded(request, maxBytes) : request, res);
  }

  /** A request whose body stream fails once more than the limit has been read. */
  private static final class Bounded extends HttpServletRequestWrapper {
    private final long limit;
    private ServletInputStream stream;

    Bounded(HttpServletRequest request, long limit) {
      super(request);
      this.limit = limit;
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
      if (stream == null) {
        ServletInputStream in = super.getInputStream();
        stream =
            new ServletInputStream() {
              private long read;

              @Override
              public int read() throws IOException {
                int b = in.read();
                if (b >= 0) {
                  count(1);
                }
                return b;
              }

              @Override
              public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = in.read(buffer, offset, length);
                if (n > 0) {
                  count(n);
                }
                return n;
              }

              private void count(int n) throws IOException {
                read += n;
                if (read > limit) {
                  throw new IOException("The body is over the limit of " + limit + " bytes");
                }
              }

              @Override
              public boolean isFinished() {
                return in.isFinished();
              }

              @Override
              public boolean isReady() {
                return in.isReady();
              }

              @Override
              public void setReadListener(ReadListener listener) {
                in.setReadListener(listener);
              }
            };
      }
      return stream;
    }
  }
}
