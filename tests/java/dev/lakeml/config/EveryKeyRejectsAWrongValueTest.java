package dev.lakeml.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import dev.lakeml.LakemlException;
import dev.lakeml.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every key of the shipped configuration files, one at a time, given a value of the wrong type: a
 * string becomes a list, a number or a boolean a word, a list a number (keys inside lists of
 * objects included, e.g. {@code silver.expectations[3].min}). Loading must stop with a
 * {@link LakemlException} (exit code 2) whose message names the file, the key and what is allowed
 * ("must ..."), never a raw Typesafe or Java exception.
 */
class EveryKeyRejectsAWrongValueTest {
  @TempDir static Path tmp;

  record Case(String file, String key, Object wrong, Map<String, Object> tree) {
    @Override
    public String toString() {
      return file + " " + key + " = " + ConfigValueFactory.fromAnyRef(wrong).render(ConfigRenderOptions.concise());
    }
  }

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (String spec : List.of("jobs/flights.conf", "jobs/flights-http.conf")) {
      Config c = ConfigFiles.parse(TestSpark.projectDir(), spec).resolve();
      leaves(c.root().unwrapped(), "", (path, wrong) -> out.add(Arguments.of(new Case(spec, path, wrong, c.root().unwrapped()))));
    }
    Config conf = ConfigFiles.parse(TestSpark.projectDir(), "conf/local.conf").withFallback(ConfigFiles.parse(TestSpark.projectDir(), "conf/base.conf")).resolve();
    leaves(conf.root().unwrapped(), "", (path, wrong) -> out.add(Arguments.of(new Case("conf/dev.conf", path, wrong, conf.root().unwrapped()))));
    return out.stream();
  }

  interface Sink {
    void add(String path, Object wrong);
  }

  /** Every leaf path (lists of objects entered element by element) with a wrong value for it. */
  @SuppressWarnings("unchecked")
  static void leaves(Object node, String path, Sink sink) {
    if (node instanceof Map<?, ?> m) {
      for (Map.Entry<String, Object> e : ((Map<String, Object>) m).entrySet()) {
        leaves(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), sink);
      }
    } else if (node instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Map) {
      sink.add(path, 42);
      for (int i = 0; i < l.size(); i++) {
        leaves(l.get(i), path + "[" + i + "]", sink);
      }
    } else if (node instanceof List<?>) {
      sink.add(path, 42);
    } else if (node instanceof Number || node instanceof Boolean) {
      sink.add(path, "lots");
    } else if (node instanceof String) {
      sink.add(path, List.of(1, 2));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void wrongValueNamesKeyFileAndWhatIsAllowed(Case c) throws Exception {
    Map<String, Object> tree = set(c.tree(), c.key(), c.wrong());
    Config broken = ConfigValueFactory.fromMap(tree).toConfig();
    LakemlException e;
    try {
      if (c.file().startsWith("jobs/")) {
        // As the launcher loads a spec: parsed, then the estimator's params checked by Spark ML's own rules.
        dev.lakeml.ml.Trainer.checkParams(PipelineSpec.read(new ConfigReader(broken, c.file(), ""), c.file()));
      } else {
        Path dir = Files.createDirectories(tmp.resolve("p" + System.nanoTime()).resolve("conf"));
        Files.writeString(dir.resolve("dev.conf"), broken.root().render(ConfigRenderOptions.concise()));
        Settings.load(dir.getParent(), "dev", null, Map.of());
      }
      fail("accepted " + c);
      return;
    } catch (LakemlException x) {
      e = x;
    } catch (RuntimeException x) {
      fail("not a lakeml error for " + c + ": " + x);
      return;
    }
    String m = e.getMessage();
    assertEquals(2, e.exitCode(), m);
    assertTrue(m.contains(c.file()), "names the file: " + m);
    String key = c.key();
    boolean named = m.contains("'" + key + "'") || m.contains("'" + key + ".");
    if (key.startsWith("source.http.")) { // the HTTP source's own validation names keys inside its section: "(source.http) ... retry.max_retries must ..."
      named |= m.contains("(source.http)") && m.contains(key.substring("source.http.".length()) + " must");
    }
    assertTrue(named, "names the key " + key + ": " + m);
    assertTrue(m.contains(" must ") || m.contains("allowed"), "says what is allowed: " + m);
  }

  /** A deep copy of {@code tree} with {@code path} (dots and [i]) set to {@code value}. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> set(Map<String, Object> tree, String path, Object value) {
    Function<Object, Object> copy = new Function<>() {
      public Object apply(Object o) {
        if (o instanceof Map<?, ?> m) {
          Map<String, Object> c = new LinkedHashMap<>();
          m.forEach((k, v) -> c.put((String) k, apply(v)));
          return c;
        }
        if (o instanceof List<?> l) {
          List<Object> c = new ArrayList<>();
          l.forEach(v -> c.add(apply(v)));
          return c;
        }
        return o;
      }
    };
    Map<String, Object> root = (Map<String, Object>) copy.apply(tree);
    // split on dots that are not inside a quoted Spark key: keys of `spark` hold dots themselves
    List<String> parts = new ArrayList<>();
    String rest = path;
    while (!rest.isEmpty()) {
      if (parts.size() == 1 && (parts.get(0).equals("spark") || parts.get(0).equals("model") && false)) {
        parts.add(rest);
        break;
      }
      int dot = rest.indexOf('.');
      parts.add(dot < 0 ? rest : rest.substring(0, dot));
      rest = dot < 0 ? "" : rest.substring(dot + 1);
    }
    Object node = root;
    for (int i = 0; i < parts.size(); i++) {
      String p = parts.get(i);
      Integer index = null;
      if (p.matches(".*\\[\\d+\\]")) {
        index = Integer.parseInt(p.substring(p.indexOf('[') + 1, p.length() - 1));
        p = p.substring(0, p.indexOf('['));
      }
      Map<String, Object> m = (Map<String, Object>) node;
      boolean last = i == parts.size() - 1;
      if (index == null) {
        if (last) {
          m.put(p, value);
        } else {
          node = m.get(p);
        }
      } else {
        List<Object> l = (List<Object>) m.get(p);
        if (last) {
          l.set(index, value);
        } else {
          node = l.get(index);
        }
      }
    }
    return root;
  }
}
