package dev.lakeml.catalog;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the catalog says about one table: its comment, the {@code lakeml.*} table properties and a
 * comment per column.
 *
 * @param table {@code <layer>.<table>}
 * @param description the table comment
 * @param owner the team to ask about the table
 * @param refresh when new versions appear
 * @param source where the rows come from
 * @param columns column name -> comment (top-level columns)
 */
public record TableDoc(String table, String description, String owner, String refresh, String source, Map<String, String> columns) {
  /** Table property keys; namespaced because Spark reserves plain {@code owner} and {@code comment}. */
  public static final String OWNER = "lakeml.owner";

  public static final String DESCRIPTION = "lakeml.description";
  public static final String REFRESH = "lakeml.refresh";
  public static final String SOURCE = "lakeml.source";

  public TableDoc {
    columns = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(columns)); // keeps the table's column order
  }

  /** {@code schema} with this doc's column comments (StructField's {@code comment} metadata, which Delta keeps). */
  public org.apache.spark.sql.types.StructType commented(org.apache.spark.sql.types.StructType schema) {
    org.apache.spark.sql.types.StructField[] fields = schema.fields().clone();
    for (int i = 0; i < fields.length; i++) {
      String c = columns.get(fields[i].name());
      if (c != null && !c.equals(fields[i].getComment().getOrElse(() -> null))) {
        fields[i] = fields[i].withComment(c);
      }
    }
    return new org.apache.spark.sql.types.StructType(fields);
  }

  /** The table properties this doc sets. */
  public Map<String, String> properties() {
    Map<String, String> p = new LinkedHashMap<>();
    put(p, OWNER, owner);
    put(p, DESCRIPTION, description);
    put(p, REFRESH, refresh);
    put(p, SOURCE, source);
    return p;
  }

  private static void put(Map<String, String> p, String key, String value) {
    if (value != null && !value.isBlank()) {
      p.put(key, value);
    }
  }
}
