package dev.lakeml.ingest.http;

import java.util.Objects;

/**
 * Where the next page of a window comes from.
 *
 * <p>What {@code param} and {@code field} mean depends on the mode:
 *
 * <table>
 *   <caption>param and field by mode</caption>
 *   <tr><th>mode</th><th>param (sent by the client)</th><th>field (read from the response)</th></tr>
 *   <tr><td>PAGE_NUMBER</td><td>page-number query parameter, required</td>
 *       <td>total-pages field, optional: without it the window ends at the first page with no
 *       records</td></tr>
 *   <tr><td>CURSOR</td><td>cursor query parameter, required</td>
 *       <td>field holding the next cursor, required; absent, null or empty ends the window</td></tr>
 *   <tr><td>NEXT_LINK</td><td>none (must be null)</td>
 *       <td>field holding the next URL, required; absent, null or empty ends the window</td></tr>
 * </table>
 *
 * <p>A field name starting with {@code /} is read as a JSON pointer (e.g. {@code /paging/next}),
 * any other name as a top-level field. Values are checked by {@link HttpSourceSpec}, which knows
 * the configuration keys to name in its errors.
 *
 * @param mode how pages are addressed
 * @param param the query parameter the client sends, or null
 * @param field the response field that says what comes next, or null
 */
public record Pagination(PaginationMode mode, String param, String field) {

  public Pagination {
    Objects.requireNonNull(mode, "mode");
  }

  /** Numbered pages, requested as {@code ?<pageParam>=1,2,...} until a page has no records. */
  public static Pagination pageNumber(String pageParam) {
    return new Pagination(PaginationMode.PAGE_NUMBER, pageParam, null);
  }

  /** Numbered pages that end at the page whose number reaches {@code totalPagesField}. */
  public static Pagination pageNumber(String pageParam, String totalPagesField) {
    return new Pagination(PaginationMode.PAGE_NUMBER, pageParam, totalPagesField);
  }

  /** Cursor pages: the cursor read from {@code cursorField} is sent back as {@code cursorParam}. */
  public static Pagination cursor(String cursorField, String cursorParam) {
    return new Pagination(PaginationMode.CURSOR, cursorParam, cursorField);
  }

  /** Linked pages: the next URL is read from {@code nextField}. */
  public static Pagination nextLink(String nextField) {
    return new Pagination(PaginationMode.NEXT_LINK, null, nextField);
  }
}
