package dev.lakeml.delta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import dev.lakeml.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class SessionsTest {

  @Test
  void checksumsLeaveOutTheFileListUnlessTheEnvironmentAsks() {
    Settings plain = TestSpark.settings("unused");
    assertEquals("false", Sessions.baseConf(plain).get(Sessions.FILE_LIST_IN_CHECKSUM));

    Settings asked = TestSpark.settings("unused", Map.of(Sessions.FILE_LIST_IN_CHECKSUM, "true"));
    assertEquals("true", Sessions.baseConf(asked).get(Sessions.FILE_LIST_IN_CHECKSUM));
  }

  @Test
  void aTableCreatedByThisSessionHasAChecksumWithoutItsFileListAndReadsBack() throws Exception {
    SparkSession spark = TestSpark.session();
    assertEquals("false", spark.conf().get(Sessions.FILE_LIST_IN_CHECKSUM));
    Path table = TestSpark.tempDir("crc-").resolve("t");
    spark.range(5).write().format("delta").save(table.toString());
    spark.range(5, 8).write().format("delta").mode("append").save(table.toString());

    for (String version : new String[] {"00000000000000000000", "00000000000000000001"}) {
      Path crc = table.resolve("_delta_log").resolve(version + ".crc");
      assertTrue(Files.exists(crc), "Delta still writes the checksum of v" + version);
      String json = Files.readString(crc);
      assertTrue(json.contains("\"numFiles\""), json);
      assertFalse(json.contains("\"allFiles\""), json);
    }
    assertEquals(8, spark.read().format("delta").load(table.toString()).count());

    // What the setting leaves out: with it on, Delta writes the list.
    spark.conf().set(Sessions.FILE_LIST_IN_CHECKSUM, "true");
    try {
      Path listed = TestSpark.tempDir("crc-").resolve("t");
      spark.range(5).write().format("delta").save(listed.toString());
      assertTrue(Files.readString(listed.resolve("_delta_log").resolve("00000000000000000000.crc")).contains("\"allFiles\""));
    } finally {
      spark.conf().set(Sessions.FILE_LIST_IN_CHECKSUM, "false");
    }
  }
}
