package dev.lakeml.deploy;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.LakemlException;
import dev.lakeml.delta.StorageSafety;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Pure checks, no Spark: which storage settings may write, and what the refusal says. */
class StorageSafetyTest {
  private static final String DDB = "io.delta.storage.S3DynamoDBLogStore";

  @Test
  void oneWritingClusterOnS3IsAllowedWithTheDefaultLogStore() {
    assertDoesNotThrow(() -> StorageSafety.check("s3a://lake/prod", false, Map.of()));
  }

  @Test
  void multiClusterWritesOnS3WithoutDynamoDbAreRefusedWithTheFix() {
    LakemlException e =
        assertThrows(LakemlException.class, () -> StorageSafety.check("s3a://lake/prod", true, Map.of()));
    assertEquals(2, e.exitCode());
    String m = e.getMessage();
    assertTrue(m.startsWith("Cannot write to s3a://lake/prod: Delta's default S3 log store is safe for one writing cluster only"), m);
    assertTrue(m.contains("set storage.allow-multi-cluster-writes only with the S3DynamoDB log store"), m);
    assertTrue(m.contains("spark.delta.logStore.s3a.impl=" + DDB), m);
    assertTrue(m.contains("io.delta:delta-storage-s3-dynamodb"), m);
    assertTrue(m.contains("ddb.tableName"), m);
  }

  @Test
  void anotherLogStoreIsNamedInTheRefusal() {
    Map<String, String> conf = Map.of("spark.delta.logStore.s3a.impl", "io.delta.storage.S3SingleDriverLogStore");
    LakemlException e = assertThrows(LakemlException.class, () -> StorageSafety.check("s3a://lake/prod", true, conf));
    assertTrue(e.getMessage().contains("uses log store io.delta.storage.S3SingleDriverLogStore"), e.getMessage());
  }

  @Test
  void theLogStoreMustMatchTheRootsScheme() {
    Map<String, String> forS3 = Map.of("spark.delta.logStore.s3.impl", DDB);
    assertThrows(LakemlException.class, () -> StorageSafety.check("s3a://lake/prod", true, forS3));
    assertDoesNotThrow(() -> StorageSafety.check("s3://lake/prod", true, forS3));
  }

  @Test
  void multiClusterWritesWithDynamoDbAreAllowedWhicheverWayItIsSet() {
    assertDoesNotThrow(() -> StorageSafety.check("s3a://lake/prod", true, Map.of("spark.delta.logStore.s3a.impl", DDB)));
    assertDoesNotThrow(() -> StorageSafety.check("s3a://lake/prod", true, Map.of("spark.hadoop.delta.logStore.s3a.impl", DDB)));
    assertDoesNotThrow(() -> StorageSafety.check("s3a://lake/prod", true, Map.of("spark.delta.logStore.class", DDB)));
  }

  @Test
  void otherFileSystemsAreNotS3sConcern() {
    assertDoesNotThrow(() -> StorageSafety.check("/tmp/lakehouse", true, Map.of()));
    assertDoesNotThrow(() -> StorageSafety.check("hdfs://nn:8020/lake", true, Map.of()));
    assertDoesNotThrow(() -> StorageSafety.check("file:/tmp/lakehouse", true, Map.of()));
  }
}
