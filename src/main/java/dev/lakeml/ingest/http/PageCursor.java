package dev.lakeml.ingest.http;

/**
 * Where a pull starts or resumes: the number of the page to fetch and, for cursor and next-link
 * pagination, the token that addresses it.
 *
 * @param page the page's number in its window, from 1
 * @param token the cursor ({@link PaginationMode#CURSOR}) or the next URL ({@link
 *     PaginationMode#NEXT_LINK}) that addresses the page; null for page-number pagination and for
 *     a window's first page
 */
public record PageCursor(int page, String token) {

  public PageCursor {
    if (page < 1) {
      throw new IllegalArgumentException(
          "Cannot make a page cursor: page must be >= 1, got " + page + ". Pages count from 1");
    }
    if (page == 1 && token != null) {
      throw new IllegalArgumentException(
          "Cannot make a page cursor: page 1 is addressed without a token. Use PageCursor.first()");
    }
  }

  /** The first page of a window. */
  public static PageCursor first() {
    return new PageCursor(1, null);
  }

  /** Page {@code page} under page-number pagination. */
  public static PageCursor atPage(int page) {
    return new PageCursor(page, null);
  }
}
