package dev.lakeml.jobs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The registry of pipeline stages, in the order {@code run} executes them. */
public final class Pipelines {
  private static final List<Job> STAGES = List.of(new IngestJob(), new RefineJob(), new FeaturesJob(), new TrainJob(), new ScoreJob(), new MonitorJob(), new RetrainJob());

  private Pipelines() {}

  public static List<Job> stages() {
    return STAGES;
  }

  public static Map<String, Job> byName() {
    Map<String, Job> m = new LinkedHashMap<>();
    for (Job j : STAGES) {
      m.put(j.name(), j);
    }
    return m;
  }
}
