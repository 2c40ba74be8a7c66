package dev.lakeml.config;

import java.util.regex.Pattern;

/** Recognises configuration keys that carry secrets, so their values are never printed. */
public final class Secrets {
  private static final Pattern SECRET_KEY =
      Pattern.compile("(?i).*(secret|password|token|access\\.key|credential|auth).*");

  private Secrets() {}

  public static boolean isSecretKey(String key) {
    return SECRET_KEY.matcher(key).matches();
  }

  public static String mask(String key, String value) {
    return isSecretKey(key) ? "****" : value;
  }
}
