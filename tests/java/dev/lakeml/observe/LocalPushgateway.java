package dev.lakeml.observe;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A real Debian Pushgateway on a free loopback port, in memory only; stopped by {@link #close}. */
public final class LocalPushgateway implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

  private final Process process;
  private final String address;
  private final Path log;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private LocalPushgateway(Process process, String address, Path log) {
    this.process = process;
    this.address = address;
    this.log = log;
  }

  public static LocalPushgateway start(Path workDir) throws IOException, InterruptedException {
    Path binary = ExternalTools.require("prometheus-pushgateway", "prometheus-pushgateway");
    String address = "127.0.0.1:" + freePort();
    Path log = workDir.resolve("pushgateway.log");
    Process process =
        new ProcessBuilder(
                binary.toString(),
                "--web.listen-address=" + address,
                "--persistence.file=", // in memory: nothing shared with a system gateway
                "--log.level=warn")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    LocalPushgateway gateway = new LocalPushgateway(process, address, log);
    gateway.awaitReady();
    return gateway;
  }

  public String address() {
    return address;
  }

  /** The gateway's own exposition of everything pushed to it. */
  public String metricsText() throws IOException, InterruptedException {
    HttpResponse<String> response = get("/metrics");
    if (response.statusCode() != 200) {
      fail("GET /metrics from pushgateway " + address + " answered " + response.statusCode());
    }
    return response.body();
  }

  private void awaitReady() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        fail("pushgateway exited with " + process.exitValue() + "; see " + log);
      }
      try {
        if (get("/-/ready").statusCode() == 200) {
          return;
        }
      } catch (IOException notYetListening) {
        // keep polling until the deadline
      }
      Thread.sleep(50);
    }
    close();
    fail("pushgateway on " + address + " not ready within " + START_TIMEOUT + "; see " + log);
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://" + address + path))
            .timeout(Duration.ofSeconds(5))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }
}
