package dev.lakeml.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.config.PrometheusProperties;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrometheusPusherTest {
  private static final double EPS = 1e-9;
  private static final String OVERRIDE_ADDRESS = "io.prometheus.exporter.pushgateway.address";
  private static final String OVERRIDE_JOB = "io.prometheus.exporter.pushgateway.job";

  @TempDir static Path workDir;
  private static LocalPushgateway gateway;

  @BeforeAll
  static void startGateway() throws Exception {
    // A trap: the Prometheus client reads these once, at first use, and by default they would
    // override the address and job the pusher was given. The surefire configuration (pom.xml) sets
    // them for the whole test JVM, so the trap is armed whichever test touches the client first.
    System.setProperty(OVERRIDE_ADDRESS, "127.0.0.1:1");
    System.setProperty(OVERRIDE_JOB, "not-lakeml");
    gateway = LocalPushgateway.start(workDir);
  }

  @AfterAll
  static void stopGateway() throws Exception {
    System.clearProperty(OVERRIDE_ADDRESS);
    System.clearProperty(OVERRIDE_JOB);
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  void prometheusSystemPropertiesDoNotRedirectThePush() throws Exception {
    assertEquals(
        "127.0.0.1:1",
        PrometheusProperties.get().getExporterPushgatewayProperties().getAddress(),
        "trap not armed: the client loaded its properties without the surefire systemPropertyVariables of pom.xml");

    PushResult result =
        new PrometheusPusher(gateway.address(), "lakeml").push(SampleRuns.flights());

    assertTrue(result.pushed(), () -> "push failed: " + result.warning());
    ExpositionText metrics = new ExpositionText(gateway.metricsText());
    assertEquals(
        1.0, metrics.value("lakeml_run_success", Map.of("job", "lakeml", "pipeline", "flights")));
  }

  @Test
  void pushedGaugesAreServedByTheGateway() throws Exception {
    RunSummary run = SampleRuns.flights();

    PushResult result = new PrometheusPusher(gateway.address(), "lakeml").push(run);

    assertTrue(result.pushed(), () -> "push failed: " + result.warning());
    assertEquals(gateway.address(), result.gateway());
    ExpositionText metrics = new ExpositionText(gateway.metricsText());
    Map<String, String> group = Map.of("job", "lakeml", "pipeline", "flights");
    assertEquals(222.5, metrics.value("lakeml_run_duration_seconds", group), EPS);
    assertEquals(1.0, metrics.value("lakeml_run_success", group), EPS);
    assertEquals(
        run.endedAt().toEpochMilli() / 1000.0,
        metrics.value("lakeml_run_timestamp_seconds", group),
        EPS);
    assertEquals(
        19.5, metrics.value("lakeml_stage_duration_seconds", with(group, "stage", "refine")));
    assertEquals(
        120.0, metrics.value("lakeml_stage_duration_seconds", with(group, "stage", "train")));
    assertEquals(6, metrics.find("lakeml_stage_duration_seconds", group).size());
    assertEquals(
        2_950_000, metrics.value("lakeml_table_rows", with(group, "table", "silver.flights")));
    assertEquals(8, metrics.value("lakeml_table_version", with(group, "table", "silver.flights")));
    assertEquals(
        1, metrics.value("lakeml_quality_checks_failed", with(group, "table", "silver.flights")));
    assertEquals(
        2.0 / 3,
        metrics.value("lakeml_quality_checks_pass_ratio", with(group, "table", "silver.flights")),
        EPS);
    assertEquals(
        0,
        metrics.value(
            "lakeml_quality_checks_failed", with(group, "table", "gold.flight_features")));
    assertEquals(0.8123, metrics.value("lakeml_model_metric", with(group, "metric", "auc")), EPS);
    assertEquals(
        0.3912, metrics.value("lakeml_model_metric", with(group, "metric", "log_loss")), EPS);
    assertEquals(1, metrics.value("lakeml_model_info", with(group, "version", "flights-gbt-7")));
    assertEquals(
        0.31,
        metrics.value(
            "lakeml_feature_drift",
            Map.of("pipeline", "flights", "feature", "carrier", "metric", "psi")),
        EPS);
  }

  @Test
  void aPushReplacesWhatTheGatewayHeldForThePipeline() throws Exception {
    RunSummary first =
        RunSummary.builder("run-1", "replace-check", "run")
            .startedAt(SampleRuns.START)
            .endedAt(SampleRuns.START.plusSeconds(10))
            .addStage(SampleRuns.stage("old_stage", 0, 4, 0, 0))
            .addStage(SampleRuns.stage("refine", 4, 6, 0, 0))
            .build();
    RunSummary second =
        RunSummary.builder("run-2", "replace-check", "run")
            .startedAt(SampleRuns.START)
            .endedAt(SampleRuns.START.plusSeconds(3))
            .failed("refine failed")
            .addStage(SampleRuns.stage("refine", 0, 3, 0, 0))
            .build();
    PrometheusPusher pusher = new PrometheusPusher(gateway.address(), "lakeml");

    assertTrue(pusher.push(first).pushed());
    assertTrue(pusher.push(second).pushed());

    ExpositionText metrics = new ExpositionText(gateway.metricsText());
    Map<String, String> group = Map.of("pipeline", "replace-check");
    assertEquals(
        List.of(),
        metrics.find("lakeml_stage_duration_seconds", with(group, "stage", "old_stage")));
    assertEquals(
        3.0, metrics.value("lakeml_stage_duration_seconds", with(group, "stage", "refine")));
    assertEquals(0.0, metrics.value("lakeml_run_success", group));
  }

  @Test
  void unreachableGatewayGivesAWarningNotAnException() throws Exception {
    String closed = "127.0.0.1:" + LocalPushgateway.freePort();

    PushResult result = new PrometheusPusher(closed, "lakeml").push(SampleRuns.flights());

    assertFalse(result.pushed());
    assertEquals(
        "Cannot push metrics to pushgateway "
            + closed
            + ": connection refused. The run's data is committed; check metrics.pushgateway in"
            + " conf/",
        result.warning());
    assertEquals(result.warning(), result.warningMessage().orElseThrow());
  }

  @Test
  void silentGatewayTimesOutInsteadOfHangingTheRun() throws Exception {
    // Accepts connections but never answers, like a gateway that hangs.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      List<Socket> accepted = new ArrayList<>();
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    accepted.add(silent.accept());
                  }
                } catch (IOException closed) {
                  // test over
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      String address = "127.0.0.1:" + silent.getLocalPort();
      long start = System.nanoTime();

      PushResult result =
          new PrometheusPusher(address, "lakeml", Duration.ofMillis(300))
              .push(SampleRuns.flights());

      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertFalse(result.pushed());
      assertEquals(
          "Cannot push metrics to pushgateway "
              + address
              + ": no answer within 300 ms. The run's data is committed; check"
              + " metrics.pushgateway in conf/",
          result.warning());
      assertTrue(took.compareTo(Duration.ofSeconds(3)) < 0, "push took " + took);
      for (Socket s : accepted) {
        s.close();
      }
    }
  }

  @Test
  void addressMustBeHostAndPort() {
    for (String bad : new String[] {"", "localhost", "http://127.0.0.1:9091", ":9091", "host:x"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> new PrometheusPusher(bad, "lakeml"));
      assertEquals(
          "Cannot push metrics to pushgateway '"
              + bad
              + "': expected host:port, e.g. 127.0.0.1:9091. Check metrics.pushgateway in conf/",
          e.getMessage());
    }
  }

  private static Map<String, String> with(Map<String, String> base, String key, String value) {
    Map<String, String> labels = new java.util.HashMap<>(base);
    labels.put(key, value);
    return labels;
  }
}
