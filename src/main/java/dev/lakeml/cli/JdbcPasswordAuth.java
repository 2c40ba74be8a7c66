package dev.lakeml.cli;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import javax.security.sasl.AuthenticationException;
import org.apache.hive.service.auth.PasswdAuthenticationProvider;

/**
 * User/password check for {@code lakeml jdbc --auth password} (HiveServer2 CUSTOM authentication,
 * which instantiates this class by name). The expected credentials are set once by the command from
 * the environment ({@code LAKEML_JDBC_USER}, {@code LAKEML_JDBC_PASSWORD}); never from config files.
 */
public final class JdbcPasswordAuth implements PasswdAuthenticationProvider {
  private static volatile String expectedUser;
  private static volatile byte[] expectedPassword;

  static void configure(String user, String password) {
    expectedUser = user;
    expectedPassword = password == null ? null : password.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void Authenticate(String user, String password) throws AuthenticationException {
    byte[] given = password == null ? new byte[0] : password.getBytes(StandardCharsets.UTF_8);
    if (expectedUser == null || expectedPassword == null || !expectedUser.equals(user) || !MessageDigest.isEqual(expectedPassword, given)) {
      throw new AuthenticationException("Invalid user or password for the lakeml JDBC server.");
    }
  }
}
