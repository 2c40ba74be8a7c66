package dev.lakeml.ingest;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What bronze holds of each window (day) of a source, as committed with the data: the pages taken,
 * the highest page number, and whether the window is wholly in bronze (every page the landing
 * manifest lists for it, and the manifest says the window's last page was reached).
 *
 * <p>Stored in the userMetadata of every bronze commit under {@link #KEY}, cumulatively, so the
 * newest commit holds the whole cursor and a crash can never separate the data from its cursor.
 */
public record PullCursor(String source, Map<String, Window> windows) {
  /** The userMetadata key of the cursor in a bronze commit. */
  public static final String KEY = "pull_cursor";

  /**
   * @param pages page files of this window committed to bronze so far
   * @param lastPage the highest page number among them (0 if none had a number)
   * @param complete true when every landed page of a fully pulled window is in bronze; null when
   *     the source has no manifest (type files)
   */
  public record Window(long pages, long lastPage, Boolean complete) {}

  public PullCursor {
    windows = Collections.unmodifiableMap(new TreeMap<>(windows));
  }

  public static PullCursor empty(String source) {
    return new PullCursor(source, Map.of());
  }

  public boolean complete(String window) {
    Window w = windows.get(window);
    return w != null && Boolean.TRUE.equals(w.complete());
  }

  public long pages(String window) {
    Window w = windows.get(window);
    return w == null ? 0 : w.pages();
  }

  /** This cursor with {@code window} replaced. */
  public PullCursor with(String window, Window state) {
    Map<String, Window> copy = new TreeMap<>(windows);
    copy.put(window, state);
    return new PullCursor(source, copy);
  }

  /** The JSON-ready form stored in commit metadata. */
  public Map<String, Object> toMap() {
    Map<String, Object> ws = new TreeMap<>();
    windows.forEach(
        (k, w) -> {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("pages", w.pages());
          m.put("last_page", w.lastPage());
          m.put("complete", w.complete());
          ws.put(k, m);
        });
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("source", source);
    out.put("windows", ws);
    return out;
  }

  /** Reads {@link #toMap()}'s form back; a cursor of another source reads as empty. */
  @SuppressWarnings("unchecked")
  public static PullCursor fromMap(String source, Object stored) {
    if (!(stored instanceof Map<?, ?> map) || !source.equals(map.get("source"))) {
      return empty(source);
    }
    Map<String, Window> ws = new TreeMap<>();
    Object raw = map.get("windows");
    if (raw instanceof Map<?, ?> windows) {
      for (Map.Entry<?, ?> e : windows.entrySet()) {
        Map<String, Object> w = (Map<String, Object>) e.getValue();
        ws.put(
            String.valueOf(e.getKey()),
            new Window(
                ((Number) w.getOrDefault("pages", 0)).longValue(),
                ((Number) w.getOrDefault("last_page", 0)).longValue(),
                (Boolean) w.get("complete")));
      }
    }
    return new PullCursor(source, ws);
  }
}
