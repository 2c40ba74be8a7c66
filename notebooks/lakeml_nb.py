"""Notebook helper: Spark + Delta in this Python process through JPype, on the lakeml classpath.

    from lakeml_nb import sql, lakehouse
    df = sql("SELECT * FROM gold.latest_predictions LIMIT 5")   # a pandas DataFrame

The lakehouse root comes from LAKEML_ROOT (default <project>/lakehouse-demo); the project folder from
LAKEML_PROJECT_DIR (default the parent of notebooks/). scripts/run-notebooks sets both. Tables are
registered by name (bronze/silver/gold/ops), documented, and the curated views exist, exactly as for
./scripts/lakeml sql.
"""
import glob
import json
import os
import subprocess

import jpype
import jpype.imports  # noqa: F401  (enables "from org.apache... import ...")
import pandas as pd

PROJECT = os.environ.get("LAKEML_PROJECT_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
ROOT = os.environ.get("LAKEML_ROOT") or os.path.join(PROJECT, "lakehouse-demo")

# The flags Spark needs on Java 17 (scripts/java-flags).
_FLAGS = [
    "-XX:+IgnoreUnrecognizedVMOptions",
    *[f"--add-opens=java.base/{p}=ALL-UNNAMED" for p in (
        "java.lang", "java.lang.invoke", "java.lang.reflect", "java.io", "java.net", "java.nio", "java.util",
        "java.util.concurrent", "java.util.concurrent.atomic", "jdk.internal.ref", "sun.nio.ch", "sun.nio.cs",
        "sun.security.action", "sun.util.calendar")],
    "--add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
    "-Djdk.reflect.useDirectMethodHandle=false",
]


def _jpype_jar():
    jar = os.environ.get("LAKEML_JPYPE_JAR")
    if jar and os.path.exists(jar):
        return jar
    # Debian keeps JPype's own jar outside the Python package; it must be on the classpath.
    listing = subprocess.run(["dpkg", "-L", "python3-jpype"], capture_output=True, text=True).stdout.split()
    return next(p for p in listing if p.endswith("org.jpype.jar"))


def _start():
    if jpype.isJVMStarted():
        return
    jars = glob.glob(os.path.join(PROJECT, "target", "lakeml-*-SNAPSHOT.jar"))
    jars = [j for j in jars if not j.endswith("-spark.jar")]
    with open(os.path.join(PROJECT, "target", "runtime.classpath")) as f:
        runtime = f.read().strip().split(os.pathsep)
    jpype.startJVM(
        f"-Xmx{os.environ.get('LAKEML_DRIVER_MEMORY', '2g')}",
        *_FLAGS,
        f"-Dlog4j2.configurationFile={os.path.join(PROJECT, 'conf', 'log4j2.properties')}",
        f"-Dlakeml.project.dir={PROJECT}",
        "-Dlakeml.log.level=ERROR",
        classpath=[_jpype_jar(), *jars, *runtime],
        convertStrings=True,
    )


_start()
from dev.lakeml.catalog import AnalystCatalog  # noqa: E402

lakehouse = AnalystCatalog.open(PROJECT, os.environ.get("LAKEML_ENV", "local"), ROOT, os.environ.get("LAKEML_PIPELINE", "flights"))
spark = lakehouse.spark()


def sql(query, limit=100_000):
    """Runs Spark SQL and returns the rows (at most `limit`) as a pandas DataFrame."""
    df = spark.sql(query)
    columns = list(df.columns())
    rows = [json.loads(str(r)) for r in df.limit(limit).toJSON().collectAsList()]
    return pd.DataFrame(rows, columns=columns)
