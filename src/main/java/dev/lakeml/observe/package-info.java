/**
 * What a run leaves for people and dashboards: metrics pushed to a Prometheus Pushgateway ({@link
 * dev.lakeml.observe.PrometheusPusher}) and a self-contained HTML report ({@link
 * dev.lakeml.observe.RunReport}).
 *
 * <p>Both take a {@link dev.lakeml.observe.RunSummary}: plain immutable values that the jobs fill
 * in after a run. Nothing here touches Spark or Delta; reporting never changes what was committed.
 */
package dev.lakeml.observe;
