package dev.tokenwise.common.security;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** The RFC 9457 body of a refused internal call, written by the filters before any handler. */
public final class ServiceAuthProblems {

  private ServiceAuthProblems() {}

  /** Answers a servlet request with the problem, before any handler has written anything. */
  public static void write(
      HttpServletResponse response, int status, String title, String code, String detail)
      throws IOException {
    response.setStatus(status);
    response.setContentType("application/problem+json");
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response.getWriter().write(json(status, title, code, detail));
  }

  public static String json(int status, String title, String code, String detail) {
    String type =
        status == 401
            ? "https://tokenwise.dev/problems/service-token-refused"
            : CallerNotAllowedException.TYPE.toString();
    return "{\"type\":\""
        + type
        + "\",\"title\":\""
        + escape(title)
        + "\",\"status\":"
        + status
        + ",\"detail\":\""
        + escape(detail)
        + "\",\"code\":\""
        + escape(code)
        + "\"}";
  }

  private static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }
}
