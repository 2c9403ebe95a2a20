package dev.tokenwise.cost.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Applied migrations whose comments were later reworded, with the SQL unchanged: Flyway checksums
 * comments too, so a database that applied the old text would refuse to start. Before Flyway
 * validates, this moves each listed migration's recorded checksum from its old value to its new one
 * — only from exactly that old value, so any other difference still stops the start as it should.
 * Boot registers every Flyway {@link Callback} bean.
 */
@Component
class CommentOnlyChecksums implements Callback {

  private static final Logger log = LoggerFactory.getLogger(CommentOnlyChecksums.class);

  /** A migration version, its checksum before the comment change, and after. */
  record Reworded(String version, int before, int after) {}

  /** V1 and V7 once cited design documents outside the repository; only those comments changed. */
  static final List<Reworded> REWORDED =
      List.of(new Reworded("1", -2135064837, 639385179), new Reworded("7", 686060747, 1082431706));

  @Override
  public boolean supports(Event event, Context context) {
    return event == Event.BEFORE_VALIDATE || event == Event.BEFORE_MIGRATE;
  }

  @Override
  public boolean canHandleInTransaction(Event event, Context context) {
    return true;
  }

  @Override
  public void handle(Event event, Context context) {
    String table =
        context.getConfiguration().getSchemas().length == 0
            ? context.getConfiguration().getTable()
            : context.getConfiguration().getSchemas()[0]
                + "."
                + context.getConfiguration().getTable();
    Connection connection = context.getConnection();
    try {
      if (!exists(connection, table)) {
        return;
      }
      for (Reworded migration : REWORDED) {
        try (PreparedStatement update =
            connection.prepareStatement(
                "UPDATE " + table + " SET checksum = ? WHERE version = ? AND checksum = ?")) {
          update.setInt(1, migration.after());
          update.setString(2, migration.version());
          update.setInt(3, migration.before());
          if (update.executeUpdate() > 0) {
            log.info(
                "Migration V{}: recorded checksum updated for its reworded comments",
                migration.version());
          }
        }
      }
    } catch (SQLException e) {
      throw new FlywayException("Could not update reworded migrations' checksums", e);
    }
  }

  private static boolean exists(Connection connection, String table) throws SQLException {
    try (PreparedStatement query = connection.prepareStatement("SELECT to_regclass(?)")) {
      query.setString(1, table);
      try (ResultSet rows = query.executeQuery()) {
        return rows.next() && rows.getString(1) != null;
      }
    }
  }

  @Override
  public String getCallbackName() {
    return "comment-only-checksums";
  }
}
