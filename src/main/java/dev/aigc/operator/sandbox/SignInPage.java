package dev.aigc.operator.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The development provider's sign-in page, written to a file for mock-oauth2-server (which reads its
 * custom page from a file). Unlike the provider's own page it loads nothing from the internet. Its
 * second button signs in with {@code groups: [aigc-admins]}, the sandbox's admin claim.
 */
final class SignInPage implements AutoCloseable {
  private final Path file;

  private SignInPage(Path file) {
    this.file = file;
  }

  static SignInPage write() throws IOException {
    Path file = Files.createTempFile("aigc-sandbox-sign-in", ".html");
    try (InputStream in = SignInPage.class.getResourceAsStream("/sandbox/sign-in.html")) {
      if (in == null) throw new IllegalStateException("/sandbox/sign-in.html is not on the classpath");
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
    }
    file.toFile().deleteOnExit();
    return new SignInPage(file);
  }

  String path() {
    return file.toString();
  }

  @Override
  public void close() throws IOException {
    Files.deleteIfExists(file);
  }
}
