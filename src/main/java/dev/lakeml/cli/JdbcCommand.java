package dev.lakeml.cli;

import dev.lakeml.Errors;
import dev.lakeml.delta.Lakehouse;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.hive.thriftserver.HiveThriftServer2;

/**
 * {@code lakeml jdbc}: Spark's Thrift JDBC/ODBC server (HiveServer2 protocol, binary transport) in
 * this process, over the registered and documented lakehouse, so BI tools and the Hive JDBC driver
 * query {@code gold.flight_features} and friends by name, with {@code VERSION AS OF}.
 *
 * <p>Loopback only by default. Authentication: {@code --auth none} (the default: any user name, no
 * password) or {@code --auth password} (one user and password from {@code LAKEML_JDBC_USER} and
 * {@code LAKEML_JDBC_PASSWORD}, checked by {@link JdbcPasswordAuth}). Binding to a non-loopback
 * address requires {@code --auth password}. Kerberos/LDAP and TLS are not wired (HiveServer2 supports
 * them through {@code --conf spark.hadoop.hive.server2.*} at your own risk).
 */
final class JdbcCommand implements Command {
  public String name() {
    return "jdbc";
  }

  public String usage() {
    return "jdbc                    Thrift JDBC/ODBC server on the lakehouse [--host 127.0.0.1] [--port 10000] [--auth none|password] [--for SECONDS]";
  }

  public Set<String> options() {
    return Set.of("host", "port", "auth", "for");
  }

  public int run(CommandContext ctx) throws Exception {
    String host = ctx.option("host", "127.0.0.1");
    int port = ctx.intOption("port", 10000);
    String auth = ctx.option("auth", "none");
    if (auth.equals("password")) {
      JdbcPasswordAuth.configure(System.getenv("LAKEML_JDBC_USER"), System.getenv("LAKEML_JDBC_PASSWORD"));
      if (System.getenv("LAKEML_JDBC_USER") == null || System.getenv("LAKEML_JDBC_PASSWORD") == null) {
        throw Errors.usage("Cannot start the JDBC server with --auth password: set LAKEML_JDBC_USER and LAKEML_JDBC_PASSWORD in the environment.");
      }
    }
    Running server = start(ctx.lakehouse(), host, port, auth);
    ctx.out().println("JDBC server ready: jdbc:hive2://" + host + ":" + port + "/default (auth " + auth + "). Try: SHOW DATABASES; SELECT * FROM gold.latest_predictions LIMIT 5.");
    ctx.out().println(ctx.flag("for") ? "Stopping after " + ctx.longOption("for", 0) + " s." : "Ctrl-C to stop.");
    ctx.out().flush();
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> { server.stop(); stop.countDown(); }));
    if (ctx.flag("for")) {
      stop.await(ctx.longOption("for", 0), TimeUnit.SECONDS);
      server.stop();
    } else {
      stop.await();
    }
    return 0;
  }

  /** A started server; {@link #stop()} is idempotent. */
  static final class Running {
    private final HiveThriftServer2 server;
    private boolean stopped;

    Running(HiveThriftServer2 server) {
      this.server = server;
    }

    synchronized void stop() {
      if (!stopped) {
        stopped = true;
        server.stop();
      }
    }
  }

  /** Starts the server on {@code lakehouse}'s session; tables must be registered already. */
  static Running start(Lakehouse lakehouse, String host, int port, String auth) {
    if (port < 1 || port > 65535) {
      throw Errors.usage("Cannot start the JDBC server on port " + port + ": use 1 to 65535.");
    }
    if (!auth.equals("none") && !auth.equals("password")) {
      throw Errors.usage("Cannot start the JDBC server with --auth " + auth + ": use none or password.");
    }
    if (auth.equals("none") && !isLoopback(host)) {
      throw Errors.usage("Cannot start the JDBC server on " + host + " without authentication: anyone who reaches it could read every table. Use --auth password, or --host 127.0.0.1.");
    }
    SparkSession spark = lakehouse.spark();
    // HiveServer2 reads its settings from the session's Hadoop configuration, which includes SQL conf entries.
    spark.conf().set("hive.server2.thrift.bind.host", host);
    spark.conf().set("hive.server2.thrift.port", String.valueOf(port));
    spark.conf().set("hive.server2.transport.mode", "binary");
    spark.conf().set("hive.server2.authentication", auth.equals("password") ? "CUSTOM" : "NONE");
    // Hive 2.3's CustomAuthenticationProviderImpl reads its class from a new HiveConf (system properties), not the server's conf.
    System.setProperty("hive.server2.custom.authentication.class", JdbcPasswordAuth.class.getName());
    spark.conf().set("hive.server2.enable.doAs", "false");
    return new Running(HiveThriftServer2.startWithContext(spark.sqlContext()));
  }

  static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw Errors.usage("Cannot start the JDBC server on host '" + host + "': unknown host.");
    }
  }
}
