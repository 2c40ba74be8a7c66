package dev.lakeml.observe;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Plotly bundle from the {@code org.webjars.npm:plotly.js-dist} webjar, ready to inline in a
 * {@code <script>} element so a report draws its charts without any network request.
 */
final class PlotlyBundle {
  private static final String WEBJAR = "META-INF/resources/webjars/plotly.js-dist/";
  private static final String WEBJAR_POM =
      "META-INF/maven/org.webjars.npm/plotly.js-dist/pom.properties";
  // Inside a script element the HTML parser ends the script at "</script" and changes state at
  // "<!--"; neither may survive in the inlined text. In JavaScript "<\/" and "<\!" read the same
  // inside strings and regular expressions, the only places they can legally occur.
  private static final Pattern SCRIPT_END = Pattern.compile("</(script)", Pattern.CASE_INSENSITIVE);
  private static final Pattern COMMENT_OPEN = Pattern.compile("<!--");

  private final String version;
  private final String script;

  private PlotlyBundle(String version, String script) {
    this.version = version;
    this.script = script;
  }

  static PlotlyBundle load() {
    ClassLoader loader = PlotlyBundle.class.getClassLoader();
    String version = webjarVersion(loader);
    String resource = WEBJAR + version + "/plotly.js";
    try (InputStream in = loader.getResourceAsStream(resource)) {
      if (in == null) {
        throw ObserveErrors.plotlyMissing(resource);
      }
      return new PlotlyBundle(
          version, inlineSafe(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the Plotly bundle " + resource, e);
    }
  }

  /** Plotly's version, e.g. {@code 3.3.1}. */
  String version() {
    return version;
  }

  /** The bundle's text, with every {@code </script} and {@code <!--} escaped. */
  String script() {
    return script;
  }

  static String inlineSafe(String js) {
    String safe = SCRIPT_END.matcher(js).replaceAll(Matcher.quoteReplacement("<\\/") + "$1");
    return COMMENT_OPEN.matcher(safe).replaceAll(Matcher.quoteReplacement("<\\!--"));
  }

  private static String webjarVersion(ClassLoader loader) {
    try (InputStream in = loader.getResourceAsStream(WEBJAR_POM)) {
      if (in == null) {
        throw ObserveErrors.plotlyMissing(WEBJAR_POM);
      }
      Properties pom = new Properties();
      pom.load(in);
      String version = pom.getProperty("version");
      if (version == null || version.isBlank()) {
        throw ObserveErrors.plotlyMissing(WEBJAR_POM + " (no version in it)");
      }
      return version.trim();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + WEBJAR_POM, e);
    }
  }
}
