package dev.lakeml.ingest.http;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Hides the auth token in text the source did not write itself (server messages, URLs it was
 * given), so nothing that reaches a manifest or an exception can carry it.
 */
final class SecretMask {
  private static final String MASK = "****";
  private static final SecretMask NONE = new SecretMask(null);

  private final String secret;

  private SecretMask(String secret) {
    this.secret = secret;
  }

  static SecretMask of(String secret) {
    return secret == null || secret.isEmpty() ? NONE : new SecretMask(secret);
  }

  String apply(String text) {
    if (text == null || secret == null) {
      return text;
    }
    return text.replace(secret, MASK);
  }

  /** The URL as text, without user info and with the secret masked. */
  String url(URI uri) {
    URI shown = uri;
    if (uri.getRawUserInfo() != null) {
      try {
        shown =
            new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getRawPath(), null,
                null);
        String rest = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        return apply(shown + rest);
      } catch (URISyntaxException e) {
        return MASK;
      }
    }
    return apply(shown.toString());
  }
}
