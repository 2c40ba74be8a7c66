package dev.lakeml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.LakemlException;
import dev.lakeml.catalog.AnalystFixtures;
import dev.lakeml.delta.Lakehouse;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A real Hive JDBC client (hive-jdbc 2.3.9) against the in-process Thrift server, with password auth. */
class JdbcServerTest {
  static Lakehouse lh;
  static JdbcCommand.Running server;
  static String url;

  @BeforeAll
  static void start() throws Exception {
    lh = AnalystFixtures.lakehouse();
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    JdbcPasswordAuth.configure("analyst", "s3cret-for-tests");
    server = JdbcCommand.start(lh, "127.0.0.1", port, "password");
    url = "jdbc:hive2://127.0.0.1:" + port + "/default";
    Class.forName("org.apache.hive.jdbc.HiveDriver");
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop();
    }
  }

  private static List<String> column(Connection c, String sql, int col) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
      while (r.next()) {
        out.add(r.getString(col));
      }
    }
    return out;
  }

  @Test
  void listsTheLayersAndTimeTravelsOnAGoldTable() throws Exception {
    try (Connection c = DriverManager.getConnection(url, "analyst", "s3cret-for-tests")) {
      assertTrue(column(c, "SHOW DATABASES", 1).containsAll(List.of("bronze", "silver", "gold", "ops")));
      assertTrue(column(c, "SHOW TABLES IN gold", 2).contains("flight_features"));
      assertEquals(List.of("4"), column(c, "SELECT count(*) FROM gold.flight_features", 1));
      assertEquals(List.of("3"), column(c, "SELECT count(*) FROM gold.flight_features VERSION AS OF 0", 1));
      assertEquals(List.of("1", "2", "3"), column(c, "SELECT id FROM gold.flight_features VERSION AS OF 0 ORDER BY id", 1));
    }
  }

  @Test
  void aWrongPasswordIsRefused() {
    assertThrows(SQLException.class, () -> DriverManager.getConnection(url, "analyst", "wrong").close());
  }

  @Test
  void refusesANonLoopbackAddressWithoutAuthentication() {
    LakemlException e = assertThrows(LakemlException.class, () -> JdbcCommand.start(lh, "0.0.0.0", 10000, "none"));
    assertTrue(e.getMessage().contains("without authentication"), e.getMessage());
  }
}
