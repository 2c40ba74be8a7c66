package dev.lakeml.pipelines.weather;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds raw pulls of a NOAA Climate Data Online (CDO v2 {@code /data}, dataset GHCND) style API from
 * {@code weather.csv} (vega-datasets): one folder per pulled month, one JSON file per page, each the
 * body CDO returns: {@code {"metadata":{"resultset":{offset,count,limit}},"results":[...]}}.
 *
 * <p>CDO returns <em>long</em> records, one per station, day and data type, in GHCND's raw units:
 * {@code PRCP} tenths of mm, {@code TMAX}/{@code TMIN} tenths of °C, {@code AWND} tenths of m/s, and a
 * weather-type flag ({@code WT01} fog, {@code WT14} drizzle, {@code WT16} rain, {@code WT18} snow;
 * value 1) on days of that weather; a "sun" day has no WT record. Records are ordered by date, then
 * station, then data type, and paged {@code limit} at a time.
 *
 * <p>Usage: {@code BuildWeatherPulls --csv weather.csv --out DIR [--page-size N]}
 */
public final class BuildWeatherPulls {
  /** The GHCND station each city of weather.csv is taken to be (vega-datasets does not name it). */
  static final Map<String, String> STATIONS = Map.of("Seattle", "GHCND:USW00024233", "New York", "GHCND:USW00094728");

  static final Map<String, String> WEATHER_TYPES = Map.of("fog", "WT01", "drizzle", "WT14", "rain", "WT16", "snow", "WT18");

  private BuildWeatherPulls() {}

  public static void main(String[] args) throws IOException {
    String csv = arg(args, "--csv", null);
    String out = arg(args, "--out", null);
    int pageSize = Integer.parseInt(arg(args, "--page-size", "200"));
    if (csv == null || out == null || pageSize < 1) {
      System.err.println("usage: BuildWeatherPulls --csv weather.csv --out DIR [--page-size N]");
      System.exit(2);
    }
    int[] written = write(Files.readAllLines(Path.of(csv), StandardCharsets.UTF_8), Path.of(out), pageSize);
    System.out.printf("wrote %,d records in %,d pages to %s%n", written[0], written[1], out);
  }

  /** Writes the pages; returns {records, pages}. */
  static int[] write(List<String> csvLines, Path out, int pageSize) throws IOException {
    // month -> records in CDO order (date, station, datatype)
    Map<String, List<String>> months = new TreeMap<>();
    Map<String, List<String[]>> byDate = new TreeMap<>();
    String header = csvLines.get(0);
    if (!header.equals("location,date,precipitation,temp_max,temp_min,wind,weather")) {
      throw new IllegalArgumentException("Cannot build weather pulls: unexpected header '" + header + "' (expected vega-datasets weather.csv).");
    }
    for (String line : csvLines.subList(1, csvLines.size())) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split(",", -1);
      byDate.computeIfAbsent(f[1], k -> new ArrayList<>()).add(f);
    }
    for (Map.Entry<String, List<String[]>> day : byDate.entrySet()) {
      List<String[]> rows = new ArrayList<>(day.getValue());
      rows.sort((a, b) -> station(a[0]).compareTo(station(b[0])));
      for (String[] f : rows) {
        Map<String, String> values = new TreeMap<>(); // data types sort as CDO lists them
        values.put("AWND", tenths(f[5]));
        values.put("PRCP", tenths(f[2]));
        values.put("TMAX", tenths(f[3]));
        values.put("TMIN", tenths(f[4]));
        String wt = WEATHER_TYPES.get(f[6]);
        if (wt != null) {
          values.put(wt, "1");
        } else if (!f[6].equals("sun")) {
          throw new IllegalArgumentException("Cannot build weather pulls: unknown weather '" + f[6] + "' on " + f[1]);
        }
        for (Map.Entry<String, String> v : values.entrySet()) {
          String record =
              "{\"date\":\"" + f[1] + "T00:00:00\",\"datatype\":\"" + v.getKey() + "\",\"station\":\"" + station(f[0])
                  + "\",\"attributes\":\",,W,\",\"value\":" + v.getValue() + "}";
          months.computeIfAbsent(f[1].substring(0, 7) + "-01", k -> new ArrayList<>()).add(record);
        }
      }
    }
    int records = 0;
    int pages = 0;
    for (Map.Entry<String, List<String>> m : months.entrySet()) {
      List<String> all = m.getValue();
      Path dir = out.resolve(m.getKey());
      Files.createDirectories(dir);
      for (int offset = 0, page = 1; offset < all.size(); offset += pageSize, page++) {
        List<String> slice = all.subList(offset, Math.min(all.size(), offset + pageSize));
        String body =
            "{\"metadata\":{\"resultset\":{\"offset\":" + (offset + 1) + ",\"count\":" + all.size() + ",\"limit\":" + pageSize + "}},"
                + "\"results\":[" + String.join(",", slice) + "]}\n";
        Files.writeString(dir.resolve(String.format("page-%04d.json", page)), body, StandardCharsets.UTF_8);
        records += slice.size();
        pages++;
      }
    }
    return new int[] {records, pages};
  }

  static String station(String location) {
    String id = STATIONS.get(location);
    if (id == null) {
      throw new IllegalArgumentException("Cannot build weather pulls: unknown location '" + location + "' (expected Seattle or New York).");
    }
    return id;
  }

  /** GHCND's raw unit: tenths, as a whole number (12.8 °C -> 128). */
  static String tenths(String value) {
    return String.format(Locale.ROOT, "%d", Math.round(Double.parseDouble(value) * 10));
  }

  private static String arg(String[] args, String name, String defaultValue) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return defaultValue;
  }
}
