package dev.lakeml.observe;

/** Argument checks shared by the value records, so every record words its rejections alike. */
final class Checks {
  private Checks() {}

  static String notBlank(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("Cannot create run summary: " + what + " is blank");
    }
    return value;
  }

  static long notNegative(long value, String what) {
    if (value < 0) {
      throw new IllegalArgumentException(
          "Cannot create run summary: " + what + " is negative: " + value);
    }
    return value;
  }

  static <T> T notNull(T value, String what) {
    if (value == null) {
      throw new IllegalArgumentException("Cannot create run summary: " + what + " is missing");
    }
    return value;
  }
}
