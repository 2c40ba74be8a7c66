package dev.lakeml.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import dev.lakeml.features.PointInTimeFeatures;
import dev.lakeml.jobs.JobContext;
import dev.lakeml.jobs.ScoreJob;
import dev.lakeml.jobs.StageResult;
import dev.lakeml.jobs.TrainJob;
import dev.lakeml.refine.Refiner;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A small flights lakehouse built through the real code from raw records on: dimension tables,
 * silver refined by {@link Refiner} from bronze-shaped JSON records (Jan–Jun 2001, a few flights a
 * day, late more often from ORD, in the evening and in "bad weeks" per origin so the trailing late
 * rates carry signal), gold by {@link PointInTimeFeatures} with the features job's lineage, a logistic regression by {@link TrainJob} and the
 * June batch by {@link ScoreJob}. Keeps each flight's raw record by id.
 */
final class ServeFixture {
  static final TableId PREDICTIONS = TableId.of(Layer.GOLD, "flight_delay_predictions");
  static final String[][] AIRPORTS = {
    {"ATL", "GA", "America/New_York"}, {"ORD", "IL", "America/Chicago"}, {"DFW", "TX", "America/Chicago"},
    {"LAX", "CA", "America/Los_Angeles"}, {"DEN", "CO", "America/Denver"}, {"SEA", "WA", "America/Los_Angeles"}
  };

  final Lakehouse lakehouse;
  final PipelineSpec spec;
  /** Each flight's raw record as the source sent it, by id. */
  final Map<Long, String> records = new LinkedHashMap<>();

  private ServeFixture(Lakehouse lakehouse, PipelineSpec spec) {
    this.lakehouse = lakehouse;
    this.spec = spec;
  }

  static ServeFixture build() {
    return build(spec());
  }

  /** The same lakehouse with the model of {@code spec} (e.g. another estimator) trained and scored. */
  static ServeFixture build(PipelineSpec spec) {
    ServeFixture f = new ServeFixture(TestSpark.freshLakehouse(), spec);
    f.writeDimensions();
    f.writeSilver(LocalDate.parse("2001-01-01"), LocalDate.parse("2001-07-01"), 7, 11);
    f.writeGold();
    f.run(new TrainJob(), "train-1");
    f.run(new ScoreJob(), "score-1");
    return f;
  }

  /** The flights spec with a fast logistic regression. */
  static PipelineSpec spec() {
    return spec(PipelineSpec.Estimator.LOGISTIC_REGRESSION, Map.of("maxIter", "30", "regParam", "0.01"));
  }

  /** The flights spec with {@code estimator} and its {@code params}. */
  static PipelineSpec spec(PipelineSpec.Estimator estimator, Map<String, String> params) {
    PipelineSpec s = PipelineSpec.load(TestSpark.projectDir(), "flights");
    PipelineSpec.Model m = s.model();
    PipelineSpec.Model model =
        new PipelineSpec.Model(
            m.name(), m.categorical(), m.numeric(), estimator, params,
            m.trainFrom(), m.trainBefore(), m.evaluateFrom(), m.evaluateBefore(), m.seed(), m.classWeight(), m.tuning(), m.promotion());
    return new PipelineSpec(s.name(), s.description(), s.owner(), s.file(), s.source(), s.bronzeTable(), s.dimensions(), s.silver(), s.gold(), model, s.score(), s.monitor());
  }

  StageResult run(dev.lakeml.jobs.Job job, String runId) {
    return run(job, runId, Map.of());
  }

  StageResult run(dev.lakeml.jobs.Job job, String runId, Map<String, String> options) {
    JobContext ctx = new JobContext(TestSpark.settings(lakehouse.root()), spec, lakehouse, runId, options, new PrintStream(new ByteArrayOutputStream()));
    StageResult r = job.run(ctx);
    assertEquals("succeeded", r.status(), r.summary());
    return r;
  }

  private void writeDimensions() {
    SparkSession spark = TestSpark.session();
    List<Row> zones = new ArrayList<>();
    List<Row> airports = new ArrayList<>();
    for (String[] a : AIRPORTS) {
      zones.add(RowFactory.create(a[1], a[2]));
      airports.add(RowFactory.create(a[0], a[0] + " International", a[1], a[2]));
    }
    StructType zoneSchema = new StructType().add("state", DataTypes.StringType).add("timezone", DataTypes.StringType);
    StructType airportSchema =
        new StructType().add("iata", DataTypes.StringType).add("name", DataTypes.StringType).add("state", DataTypes.StringType).add("timezone", DataTypes.StringType);
    lakehouse.write(spark.createDataFrame(zones, zoneSchema), TableId.of(Layer.SILVER, "state_timezones"), Lakehouse.Write.overwrite(), Map.of("run_id", "fixture"));
    lakehouse.write(spark.createDataFrame(airports, airportSchema), TableId.of(Layer.SILVER, "airports"), Lakehouse.Write.overwrite(), Map.of("run_id", "fixture"));
  }

  private void writeSilver(LocalDate from, LocalDate before, int perDay, long seed) {
    Random rnd = new Random(seed);
    List<Row> bronze = new ArrayList<>();
    long id = 1;
    for (LocalDate d = from; d.isBefore(before); d = d.plusDays(1)) {
      for (int i = 0; i < perDay; i++) {
        String origin = AIRPORTS[rnd.nextInt(AIRPORTS.length)][0];
        String dest = AIRPORTS[(rnd.nextInt(AIRPORTS.length - 1) + 1 + indexOf(origin)) % AIRPORTS.length][0];
        int distance = 150 + rnd.nextInt(2300);
        int hour = 6 + rnd.nextInt(17);
        int minute = rnd.nextInt(60);
        boolean badWeek = (d.getDayOfYear() / 7 + indexOf(origin)) % 3 == 0;
        double z = -1.6 + (origin.equals("ORD") ? 0.9 : 0.0) + (hour - 12) / 6.0 + (badWeek ? 1.4 : 0.0) + rnd.nextGaussian() * 0.6;
        int delay = z > 0 ? 16 + rnd.nextInt(120) : -10 + rnd.nextInt(25);
        String record =
            String.format(
                "{\"id\": %d, \"date\": \"%sT%02d:%02d:00\", \"delay\": %d, \"distance\": %d, \"origin\": \"%s\", \"destination\": \"%s\"}",
                id, d, hour, minute, delay, distance, origin, dest);
        records.put(id, record);
        bronze.add(RowFactory.create(record, null, "fixture/" + d + ".json", "sha-" + d, i, null));
        id++;
      }
    }
    StructType schema =
        new StructType()
            .add("payload", DataTypes.StringType)
            .add("corrupt_reason", DataTypes.StringType)
            .add("source_file", DataTypes.StringType)
            .add("page_sha256", DataTypes.StringType)
            .add("record_index", DataTypes.IntegerType)
            .add("file_modified_at", DataTypes.TimestampType);
    Map<String, Dataset<Row>> dims = new LinkedHashMap<>();
    for (PipelineSpec.Refined d : spec.dimensions()) {
      dims.put(d.table(), lakehouse.read(TableId.of(Layer.SILVER, d.table())));
    }
    Dataset<Row> parsed = Refiner.parseBronze(TestSpark.session().createDataFrame(bronze, schema), spec.silver().recordSchema());
    Refiner.Output out = Refiner.refine(Refiner.dedupe(parsed, spec.silver().key()), spec.silver(), dims);
    Map<String, Object> lineage = new LinkedHashMap<>();
    lineage.put("run_id", "fixture");
    lineage.put("source_table", "bronze.flights_pulls");
    lineage.put("source_version", 0);
    for (String d : dims.keySet()) {
      lineage.put("dimension." + d, lakehouse.latestVersion(TableId.of(Layer.SILVER, d)));
    }
    lakehouse.write(out.valid(), TableId.of(Layer.SILVER, spec.silver().table()), Lakehouse.Write.overwrite(), lineage);
  }

  /** Gold as the features job builds it (same transform, same lineage), without its audit. */
  private void writeGold() {
    TableId silver = TableId.of(Layer.SILVER, spec.silver().table());
    long v = lakehouse.latestVersion(silver);
    Dataset<Row> gold = PointInTimeFeatures.build(lakehouse.read(silver, v), spec.silver().key(), spec.gold());
    lakehouse.write(
        gold, TableId.of(Layer.GOLD, spec.gold().table()), Lakehouse.Write.overwrite(), Map.of("run_id", "fixture", "source_table", silver.toString(), "source_version", v));
  }

  private static int indexOf(String iata) {
    for (int i = 0; i < AIRPORTS.length; i++) {
      if (AIRPORTS[i][0].equals(iata)) {
        return i;
      }
    }
    throw new IllegalArgumentException(iata);
  }
}
