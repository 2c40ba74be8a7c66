package dev.lakeml.observe;

import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.exporter.pushgateway.PushGateway;
import java.io.IOException;
import java.time.Duration;

/**
 * Pushes a run's metrics to a Prometheus Pushgateway, as gauges grouped by job and pipeline.
 *
 * <p>Each push replaces everything the gateway held for that job and pipeline (HTTP PUT), so a
 * stage or table that is gone from the latest run is gone from the gateway too. The gauges:
 *
 * <ul>
 *   <li>{@code lakeml_run_duration_seconds}, {@code lakeml_run_success} (1 or 0), {@code
 *       lakeml_run_timestamp_seconds} (when the run ended)
 *   <li>{@code lakeml_stage_duration_seconds{stage}}
 *   <li>{@code lakeml_table_rows{table}}, {@code lakeml_table_version{table}}: the last version
 *       written of each table
 *   <li>{@code lakeml_quality_checks_failed{table}}, {@code
 *       lakeml_quality_checks_pass_ratio{table}}
 *   <li>{@code lakeml_model_metric{metric}}, and {@code lakeml_model_info{version}} when the model
 *       version is known
 *   <li>{@code lakeml_feature_drift{feature,metric}}
 * </ul>
 *
 * <p>A push that fails does not fail the run: {@link #push} returns a {@link PushResult} whose
 * warning names the gateway and the reason. Call it after the run's data is committed.
 */
public final class PrometheusPusher {
  /** How long a push may wait to connect, and then for the gateway's answer. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  // lakeml's configuration alone says where metrics go. By default the client lets
  // io.prometheus.exporter.pushgateway.* system properties or a prometheus.properties file on the
  // classpath replace the address, job and timeouts given here.
  private static final PrometheusProperties NO_OVERRIDES = PrometheusProperties.builder().build();

  private final String gateway;
  private final String job;
  private final Duration timeout;

  /**
   * @param gateway the Pushgateway's {@code host:port}, e.g. {@code 127.0.0.1:9091}
   * @param job the Prometheus job name the metrics are grouped under, e.g. {@code lakeml}
   * @throws IllegalArgumentException if {@code gateway} is not {@code host:port}
   */
  public PrometheusPusher(String gateway, String job) {
    this(gateway, job, DEFAULT_TIMEOUT);
  }

  /** As {@link #PrometheusPusher(String, String)}, with the connect and read timeout given. */
  public PrometheusPusher(String gateway, String job, Duration timeout) {
    this.gateway = validAddress(gateway);
    this.job = Checks.notBlank(job, "Prometheus job name");
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException(
          "Cannot push metrics: timeout must be positive, got " + timeout);
    }
    this.timeout = timeout;
  }

  /**
   * Pushes the run's gauges, grouped by this pusher's job and the run's pipeline.
   *
   * @return whether the gateway accepted them; never throws for an unreachable or failing gateway
   */
  public PushResult push(RunSummary run) {
    PushGateway pushGateway =
        PushGateway.builder(NO_OVERRIDES)
            .address(gateway)
            .job(job)
            .groupingKey("pipeline", run.pipeline())
            .registry(RunMetrics.registryFor(run))
            .connectionTimeout(timeout)
            .readTimeout(timeout)
            .build();
    try {
      pushGateway.push();
      return PushResult.pushedTo(gateway);
    } catch (IOException | RuntimeException e) {
      // Metrics are a side channel: whatever the gateway or the network does, the run stands.
      return PushResult.failed(gateway, ObserveErrors.pushFailed(gateway, e, timeout));
    }
  }

  /** The gateway's {@code host:port}. */
  public String gateway() {
    return gateway;
  }

  /** The Prometheus job name. */
  public String job() {
    return job;
  }

  private static String validAddress(String address) {
    if (address == null || address.isBlank() || address.contains("/")) {
      throw ObserveErrors.badGatewayAddress(address);
    }
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1) {
      throw ObserveErrors.badGatewayAddress(address);
    }
    try {
      int port = Integer.parseInt(address.substring(colon + 1));
      if (port < 1 || port > 65535) {
        throw ObserveErrors.badGatewayAddress(address);
      }
    } catch (NumberFormatException e) {
      throw ObserveErrors.badGatewayAddress(address);
    }
    return address;
  }
}
