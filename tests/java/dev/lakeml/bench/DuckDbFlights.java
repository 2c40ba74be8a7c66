package dev.lakeml.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The single-node peer of the benchmark (issue #8): what a user would pick instead of Spark on one
 * machine — DuckDB (its JDBC driver from Maven Central) for bronze, silver and gold on the same pulls,
 * the gold table exported as CSV for scikit-learn ({@code scripts/bench-sklearn.py}) to train and
 * score. Same work as {@link PlainSparkFlights}; tables live in one DuckDB database file.
 *
 * <p>Prints one line per stage: {@code stage <name> <seconds> <rows>}.
 *
 * <p>Usage: {@code DuckDbFlights --pulls DIR --airports CSV --timezones CSV --out DIR}
 */
public final class DuckDbFlights {
  private DuckDbFlights() {}

  public static void main(String[] args) throws SQLException {
    Map<String, String> a = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      a.put(args[i], args[i + 1]);
    }
    String out = a.get("--out");
    new java.io.File(out).mkdirs();
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + out + "/flights.duckdb");
        Statement s = c.createStatement()) {
      long t = System.nanoTime();
      s.execute(
          "CREATE OR REPLACE TABLE bronze AS SELECT filename AS source_file, unnest(records) AS payload"
              + " FROM read_json('" + a.get("--pulls") + "/*/*.json', columns = {records: 'JSON[]'}, filename = true, format = 'auto')");
      report(s, "ingest", t, "bronze");

      t = System.nanoTime();
      s.execute(
          "CREATE OR REPLACE TABLE airports AS SELECT a.iata, z.timezone FROM read_csv('" + a.get("--airports") + "', header = true, all_varchar = true) a"
              + " JOIN read_csv('" + a.get("--timezones") + "', header = true, all_varchar = true) z ON a.state = z.state");
      s.execute(
          "CREATE OR REPLACE TABLE silver AS"
              + " WITH typed AS (SELECT CAST(payload->>'id' AS BIGINT) AS id, payload->>'date' AS date, TRY_CAST(payload->>'delay' AS INT) AS delay,"
              + "   TRY_CAST(payload->>'distance' AS INT) AS distance, payload->>'origin' AS origin, payload->>'destination' AS destination, source_file"
              + "   FROM bronze),"
              + " deduped AS (SELECT * FROM typed WHERE id IS NOT NULL QUALIFY row_number() OVER (PARTITION BY id ORDER BY source_file DESC) = 1)"
              + " SELECT id, strptime(date, '%Y-%m-%dT%H:%M:%S') AS dep_time_local,"
              + "   timezone('UTC', timezone(o.timezone, strptime(date, '%Y-%m-%dT%H:%M:%S'))) AS dep_time_utc,"
              + "   CAST(strptime(date, '%Y-%m-%dT%H:%M:%S') AS DATE) AS flight_date, origin, destination, distance, delay, o.timezone AS origin_timezone"
              + " FROM deduped JOIN airports o ON deduped.origin = o.iata JOIN airports d ON deduped.destination = d.iata"
              + " WHERE delay IS NOT NULL AND distance BETWEEN 1 AND 6000 AND origin <> destination"
              + "   AND regexp_full_match(origin, '[A-Z0-9]{3}') AND regexp_full_match(destination, '[A-Z0-9]{3}')");
      report(s, "refine", t, "silver");

      t = System.nanoTime();
      s.execute(
          "CREATE OR REPLACE TABLE gold AS"
              + " WITH base AS (SELECT *, flight_date AS event_date, CAST(delay > 15 AS INT) AS is_late, hour(dep_time_local) AS dep_hour,"
              + "   dayofweek(flight_date) + 1 AS day_of_week, month(flight_date) AS month FROM silver),"
              + trailing("o7", "origin_late_rate_7d", 7, true, "origin") + ","
              + trailing("d7", "dest_late_rate_7d", 7, true, "destination") + ","
              + trailing("r28", "route_late_rate_28d", 28, true, "origin, destination") + ","
              + trailing("c7", "origin_flights_7d", 7, false, "origin")
              + " SELECT base.*, o7.origin_late_rate_7d, d7.dest_late_rate_7d, r28.route_late_rate_28d, coalesce(c7.origin_flights_7d, 0) AS origin_flights_7d"
              + " FROM base"
              + " LEFT JOIN o7 USING (origin, event_date) LEFT JOIN d7 USING (destination, event_date)"
              + " LEFT JOIN r28 USING (origin, destination, event_date) LEFT JOIN c7 USING (origin, event_date)");
      report(s, "features", t, "gold");

      s.execute("COPY (SELECT id, CAST(event_date AS VARCHAR) AS event_date, is_late, origin, destination, distance, dep_hour, day_of_week, month,"
          + " origin_late_rate_7d, dest_late_rate_7d, route_late_rate_28d, origin_flights_7d FROM gold) TO '" + out + "/gold.csv' (HEADER)");
    }
  }

  private static String trailing(String alias, String name, int days, boolean mean, String groups) {
    String value = mean ? "sum(s) OVER w / nullif(sum(n) OVER w, 0)" : "sum(n) OVER w";
    return alias + " AS (SELECT " + groups + ", event_date, " + value + " AS " + name
        + " FROM (SELECT " + groups + ", event_date, count(*) AS n, sum(is_late) AS s FROM base GROUP BY ALL)"
        + " WINDOW w AS (PARTITION BY " + groups + " ORDER BY event_date RANGE BETWEEN INTERVAL " + days + " DAYS PRECEDING AND INTERVAL 1 DAYS PRECEDING))";
  }

  private static void report(Statement s, String stage, long startNanos, String table) throws SQLException {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    try (ResultSet r = s.executeQuery("SELECT count(*) FROM " + table)) {
      r.next();
      System.out.printf("stage %s %.1f %d%n", stage, seconds, r.getLong(1));
    }
  }
}
