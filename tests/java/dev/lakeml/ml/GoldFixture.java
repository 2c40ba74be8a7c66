package dev.lakeml.ml;

import dev.lakeml.TestSpark;
import dev.lakeml.config.CheckSpec;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.jobs.JobContext;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import dev.lakeml.quality.CheckOutcome;
import dev.lakeml.quality.QualityLedger;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A tiny gold feature table in the flights spec's shape (Jan 8 - Jun 30 2001, a few rows a day),
 * whose label depends on distance, departure hour and origin, written with the lineage the features
 * job writes, plus passing (or failing) quality verdicts for it.
 */
final class GoldFixture {
  static final TableId GOLD = TableId.of(Layer.GOLD, "flight_features");
  static final StructType SCHEMA =
      new StructType()
          .add("id", DataTypes.LongType)
          .add("event_date", DataTypes.DateType)
          .add("is_late", DataTypes.IntegerType)
          .add("origin", DataTypes.StringType)
          .add("destination", DataTypes.StringType)
          .add("distance", DataTypes.IntegerType)
          .add("dep_hour", DataTypes.IntegerType)
          .add("day_of_week", DataTypes.IntegerType)
          .add("month", DataTypes.IntegerType)
          .add("origin_late_rate_7d", DataTypes.DoubleType)
          .add("dest_late_rate_7d", DataTypes.DoubleType)
          .add("route_late_rate_28d", DataTypes.DoubleType)
          .add("origin_flights_7d", DataTypes.LongType);
  static final String[] AIRPORTS = {"ATL", "ORD", "DFW", "LAX", "DEN"};

  private GoldFixture() {}

  static Dataset<Row> rows(long firstId, LocalDate from, LocalDate before, int perDay, long seed) {
    Random rnd = new Random(seed);
    List<Row> rows = new ArrayList<>();
    long id = firstId;
    for (LocalDate d = from; d.isBefore(before); d = d.plusDays(1)) {
      for (int i = 0; i < perDay; i++) {
        String origin = AIRPORTS[rnd.nextInt(AIRPORTS.length)];
        String dest = AIRPORTS[(rnd.nextInt(AIRPORTS.length - 1) + 1 + List.of(AIRPORTS).indexOf(origin)) % AIRPORTS.length];
        int distance = 100 + rnd.nextInt(2400);
        int hour = 5 + rnd.nextInt(18);
        double z = -2.0 + distance / 1200.0 + (hour - 12) / 4.0 + (origin.equals("ORD") ? 1.0 : 0.0) + rnd.nextGaussian() * 0.5;
        int late = z > 0 ? 1 : 0;
        rows.add(
            RowFactory.create(
                id++, Date.valueOf(d), late, origin, dest, distance, hour, d.getDayOfWeek().getValue() % 7 + 1, d.getMonthValue(),
                rnd.nextDouble(), rnd.nextDouble(), i % 7 == 0 ? null : rnd.nextDouble(), (long) rnd.nextInt(50)));
      }
    }
    return TestSpark.session().createDataFrame(rows, SCHEMA);
  }

  /** Writes {@code data} as the gold table (overwrite) with the lineage of a features-job commit. */
  static long write(Lakehouse lakehouse, Dataset<Row> data, long silverVersion) {
    return lakehouse.write(data, GOLD, Lakehouse.Write.overwrite(), Map.of("run_id", "fixture", "source_table", "silver.flights", "source_version", silverVersion));
  }

  /** An in-place rebuild of gold's rows dated {@code from..to}, with the lineage {@code features} commits (the days it replaced). */
  static void rebuild(Lakehouse lakehouse, String from, String to, long firstId) {
    String range = "event_date BETWEEN DATE'" + from + "' AND DATE'" + to + "'";
    lakehouse.write(
        rows(firstId, LocalDate.parse(from), LocalDate.parse(to).plusDays(1), 5, firstId),
        GOLD,
        Lakehouse.Write.replace(range),
        Map.of("run_id", "features-" + from, "source_table", "silver.flights", "source_version", 2, dev.lakeml.jobs.FeaturesJob.REBUILT_FROM, from, dev.lakeml.jobs.FeaturesJob.REBUILT_TO, to));
  }

  /** Records one quality verdict for the gold table built from {@code silverVersion}. */
  static void quality(Lakehouse lakehouse, long silverVersion, boolean passed) {
    new QualityLedger(lakehouse, java.time.Clock.systemUTC())
        .record(
            "fixture", GOLD, silverVersion, 0L, passed ? 0L : null,
            List.of(new CheckOutcome("unique(id)", CheckSpec.Rule.UNIQUE, CheckSpec.Action.FAIL, passed, passed ? 1.0 : 0.9, passed ? 0L : 10L, passed ? "ok" : "10% duplicate ids")),
            Map.of());
  }

  /** The flights spec with a fast estimator and, if given, other model inputs. */
  static PipelineSpec spec(List<String> numeric, List<String> categorical) {
    PipelineSpec s = PipelineSpec.load(TestSpark.projectDir(), "flights");
    PipelineSpec.Model m = s.model();
    Map<String, String> params = new LinkedHashMap<>(Map.of("maxIter", "30", "regParam", "0.01"));
    PipelineSpec.Model model =
        new PipelineSpec.Model(
            m.name(), categorical, numeric, PipelineSpec.Estimator.LOGISTIC_REGRESSION, params, m.trainFrom(), m.trainBefore(), m.evaluateFrom(),
            m.evaluateBefore(), m.seed(), m.classWeight(), new PipelineSpec.Tuning(null, Map.of()), new PipelineSpec.Promotion("auc", 0.01));
    return new PipelineSpec(s.name(), s.description(), s.owner(), s.file(), s.source(), s.bronzeTable(), s.dimensions(), s.silver(), s.gold(), model, s.score(), s.monitor());
  }

  static PipelineSpec fullSpec() {
    PipelineSpec s = PipelineSpec.load(TestSpark.projectDir(), "flights");
    return spec(s.model().numeric(), s.model().categorical());
  }

  static JobContext context(Lakehouse lakehouse, PipelineSpec spec, String runId, Map<String, String> options) {
    return new JobContext(TestSpark.settings(lakehouse.root()), spec, lakehouse, runId, options, new PrintStream(new ByteArrayOutputStream()));
  }
}
