package dev.lakeml.cli;

import dev.lakeml.Errors;
import dev.lakeml.ml.ModelRegistry;
import dev.lakeml.ml.ModelVersion;
import dev.lakeml.ml.PromotionGate;
import dev.lakeml.ml.RecordScorer;
import dev.lakeml.serve.PredictionServer;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code lakeml serve}: an HTTP endpoint over the single-record scorer (see {@link PredictionServer}),
 * with the champion (or {@code --model-version N}) and the gold table's latest version (or {@code
 * --feature-version N}) pinned at start-up. Loopback by default.
 */
final class ServeCommand implements Command {
  public String name() {
    return "serve";
  }

  public String usage() {
    return "serve                   HTTP /ping, /predict, /metrics over the single-record scorer [--host 127.0.0.1] [--port 8080] [--model-version N] [--feature-version N] [--log-dir D] [--for SECONDS]";
  }

  public Set<String> options() {
    return Set.of("host", "port", "model-version", "feature-version", "log-dir", "for");
  }

  public int run(CommandContext ctx) throws Exception {
    String host = ctx.option("host", "127.0.0.1");
    int port = ctx.intOption("port", 8080);
    if (port < 0 || port > 65535) {
      throw Errors.usage("Cannot serve on port " + port + ": use 1 to 65535, or 0 for a free port.");
    }
    String model = ctx.spec().model().name();
    ModelVersion version =
        ctx.flag("model-version")
            ? new ModelRegistry(ctx.lakehouse()).get(model, ctx.intOption("model-version", 0))
            : PromotionGate.serving(ctx.lakehouse(), model);
    RecordScorer scorer = RecordScorer.open(ctx.lakehouse(), ctx.spec(), version, ctx.longOption("feature-version", -1));
    PredictionServer server = new PredictionServer(scorer, host, port, logDir(ctx)).start();
    if (!isLoopback(host)) {
      ctx.out().println("warning: serving on " + host + ", not loopback: anyone who reaches it can ask for predictions (there is no authentication).");
    }
    ctx.out().println(
        String.format(
            "Serving %s v%d (%s) with %s v%d on %s  (POST /predict, GET /ping, GET /metrics; requests logged to %s)",
            version.name(), version.version(), version.estimator(), scorer.featureTable(), scorer.featureTableVersion(), server.baseUri(), server.logDir()));
    ctx.out().println(ctx.flag("for") ? "Stopping after " + ctx.longOption("for", 0) + " s." : "Ctrl-C to stop.");
    ctx.out().flush();
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> { server.close(); stop.countDown(); }));
    if (ctx.flag("for")) {
      stop.await(ctx.longOption("for", 0), TimeUnit.SECONDS);
    } else {
      stop.await();
    }
    server.close();
    return 0;
  }

  /** {@code --log-dir}, else {@code <root>/_serve} when the root is on the local file system. */
  static Path logDir(CommandContext ctx) {
    if (ctx.flag("log-dir")) {
      return Path.of(ctx.option("log-dir", "")).toAbsolutePath();
    }
    String area = ctx.lakehouse().area("serve");
    if (area.startsWith("file:")) {
      return Path.of(URI.create(area));
    }
    if (area.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
      throw Errors.usage("Cannot write the request log under " + area + ": it is not a local folder. Give one with --log-dir.");
    }
    return Path.of(area).toAbsolutePath();
  }

  static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw Errors.usage("Cannot serve on host '" + host + "': unknown host.");
    }
  }
}
