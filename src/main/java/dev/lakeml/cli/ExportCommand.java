package dev.lakeml.cli;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lakeml.Errors;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.StructField;

/**
 * {@code lakeml export}: the predictions of one scoring run as plain files for consumers that do not
 * read Delta. Layout (any Hadoop file system, e.g. s3a://):
 *
 * <pre>
 * &lt;out&gt;/&lt;predictions table&gt;/run_id=&lt;run id&gt;/
 *   csv/part-00000-*.csv            one file with a header row, UTF-8, comma-separated, ISO dates
 *   parquet/part-00000-*.parquet    the same rows, typed
 *   manifest.json                   written last: when it exists the folder is complete
 * </pre>
 *
 * The manifest names the run, the predictions table and the Delta version read, the model and
 * feature-table versions the rows came from, the row count, the date range, the schema and the files.
 * Re-exporting a run replaces its folder.
 */
final class ExportCommand implements Command {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public String name() {
    return "export";
  }

  public String usage() {
    return "export                  predictions of a scoring run as CSV + Parquet + manifest.json [--run RUN_ID|latest] [--out DIR]";
  }

  public Set<String> options() {
    return Set.of("run", "out");
  }

  public int run(CommandContext ctx) throws IOException {
    TableId predictions = TableId.of(Layer.GOLD, ctx.spec().score().table());
    String out = ctx.option("out", ctx.lakehouse().area("exports"));
    Map<String, Object> manifest = export(ctx.lakehouse(), predictions, ctx.option("run", "latest"), out);
    ctx.out().printf("Exported %,d predictions of run %s (%s v%s) to %s%n", manifest.get("rows"), manifest.get("run_id"), predictions, manifest.get("table_version"), manifest.get("folder"));
    return 0;
  }

  /** Exports one run's predictions; returns the manifest written. */
  static Map<String, Object> export(Lakehouse lakehouse, TableId predictions, String run, String out) throws IOException {
    long version = lakehouse.latestVersion(predictions);
    Dataset<Row> table = lakehouse.read(predictions, version);
    List<String> runs = table.select("run_id").distinct().orderBy(col("run_id").desc()).as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    if (runs.isEmpty()) {
      throw Errors.usage("Cannot export " + predictions + ": it holds no predictions. Run ./scripts/lakeml score first.");
    }
    String runId = run.equals("latest") ? runs.get(0) : run;
    if (!runs.contains(runId)) {
      throw Errors.usage("Cannot export run " + runId + ": " + predictions + " v" + version + " holds no predictions of it. Runs with predictions, newest first: " + String.join(", ", runs.subList(0, Math.min(10, runs.size()))) + ".");
    }
    Dataset<Row> rows = table.filter(col("run_id").equalTo(runId)).orderBy(table.columns()[0]).cache();
    try {
      Path folder = new Path(out + "/" + predictions.name() + "/run_id=" + runId);
      FileSystem fs = folder.getFileSystem(lakehouse.spark().sparkContext().hadoopConfiguration());
      fs.delete(folder, true); // a re-export replaces the folder; the manifest goes last
      rows.coalesce(1).write().mode(SaveMode.Overwrite).option("header", "true").option("timestampFormat", "yyyy-MM-dd'T'HH:mm:ss'Z'").csv(folder + "/csv");
      rows.coalesce(1).write().mode(SaveMode.Overwrite).parquet(folder + "/parquet");
      Row first = rows.selectExpr("count(*)", "cast(min(event_date) as string)", "cast(max(event_date) as string)", "min(model_name)", "min(model_version)", "min(feature_table)", "min(feature_table_version)", "max(feature_table_version)").first();
      Map<String, Object> manifest = new LinkedHashMap<>();
      manifest.put("format", "lakeml-predictions-export/1");
      manifest.put("run_id", runId);
      manifest.put("table", predictions.toString());
      manifest.put("table_version", version);
      manifest.put("query", "SELECT * FROM " + predictions + " VERSION AS OF " + version + " WHERE run_id = '" + runId + "'");
      manifest.put("rows", first.getLong(0));
      manifest.put("event_date_from", first.getString(1));
      manifest.put("event_date_to", first.getString(2));
      manifest.put("model", Map.of("name", String.valueOf(first.get(3)), "version", first.get(4)));
      manifest.put("feature_table", Map.of("name", String.valueOf(first.get(5)), "version", first.get(6)));
      if (!first.get(6).equals(first.get(7))) {
        manifest.put("feature_table_max_version", first.get(7));
      }
      List<Map<String, String>> schema = new ArrayList<>();
      for (StructField f : rows.schema().fields()) {
        schema.add(Map.of("name", f.name(), "type", f.dataType().simpleString()));
      }
      manifest.put("schema", schema);
      manifest.put("files", files(fs, folder));
      manifest.put("exported_at", Instant.now().toString());
      manifest.put("folder", folder.toString());
      try (OutputStream o = fs.create(new Path(folder, "manifest.json"), true)) {
        o.write(JSON.writeValueAsString(manifest).getBytes(StandardCharsets.UTF_8));
      }
      return manifest;
    } finally {
      rows.unpersist();
    }
  }

  private static List<Map<String, Object>> files(FileSystem fs, Path folder) throws IOException {
    List<Map<String, Object>> files = new ArrayList<>();
    for (String kind : List.of("csv", "parquet")) {
      for (FileStatus s : fs.listStatus(new Path(folder, kind))) {
        String n = s.getPath().getName();
        if (!n.startsWith("_") && !n.startsWith(".")) {
          files.add(Map.of("path", kind + "/" + n, "format", kind, "bytes", s.getLen()));
        }
      }
    }
    return files;
  }
}
