package dev.lakeml.ingest.http;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** How a paginated API tells the client where the next page is. */
public enum PaginationMode {
  /** Pages are numbered from 1 and requested with a page-number query parameter. */
  PAGE_NUMBER("page_number"),
  /** Each response carries an opaque cursor that the client sends back as a query parameter. */
  CURSOR("cursor"),
  /** Each response carries the URL of the next page, absolute or relative to the base URL. */
  NEXT_LINK("next_link");

  private final String configName;

  PaginationMode(String configName) {
    this.configName = configName;
  }

  /** The value of {@code pagination.mode} in a source's configuration. */
  public String configName() {
    return configName;
  }

  static Optional<PaginationMode> fromConfigName(String value) {
    return Arrays.stream(values()).filter(m -> m.configName.equals(value)).findFirst();
  }

  static String allConfigNames() {
    return Arrays.stream(values()).map(PaginationMode::configName).collect(Collectors.joining(", "));
  }
}
