package dev.lakeml.catalog;

import dev.lakeml.delta.Lakehouse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.DeltaOperations;
import org.apache.spark.sql.delta.OptimisticTransaction;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.Metadata;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;

/**
 * Writes a {@link TableDoc} into a Delta table's own metadata, where {@code DESCRIBE TABLE EXTENDED}
 * reads it, whatever catalog the table is registered in.
 */
final class DeltaTableDocs {
  private DeltaTableDocs() {}

  /**
   * Commits the doc if the table's comment, properties or column comments differ from it. One
   * metadata-only commit (operation SET TBLPROPERTIES) instead of the one-per-column commits that
   * {@code ALTER TABLE ... ALTER COLUMN ... COMMENT} would make; data files are untouched. Nothing is
   * committed when the docs are already there, so sessions starting every minute add no versions.
   */
  static boolean apply(SparkSession spark, String path, Function<StructType, TableDoc> docFor) {
    DeltaLog log = DeltaLog.forTable(spark, path);
    OptimisticTransaction txn = log.startTransaction();
    Metadata current = txn.metadata();
    TableDoc doc = docFor.apply(current.schema());
    StructType schema = doc.commented(current.schema());
    Map<String, String> conf = new HashMap<>(JavaConverters.mapAsJavaMap(current.configuration()));
    Map<String, String> wanted = new HashMap<>(conf);
    wanted.putAll(doc.properties());
    if (Objects.equals(current.description(), doc.description()) && wanted.equals(conf) && schema.json().equals(current.schema().json())) {
      return false;
    }
    Metadata next =
        current.copy(
            current.id(), current.name(), doc.description(), current.format(), schema.json(), current.partitionColumns(), Lakehouse.scalaMap(wanted), current.createdTime());
    txn.updateMetadata(next, false);
    Map<String, String> operation = new HashMap<>(doc.properties());
    operation.put("comment", doc.description());
    txn.commit(JavaConverters.asScalaBuffer(List.<Action>of()).toSeq(), new DeltaOperations.SetTableProperties(Lakehouse.scalaMap(operation)));
    return true;
  }
}
