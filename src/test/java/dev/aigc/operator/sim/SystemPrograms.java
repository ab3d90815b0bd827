package dev.aigc.operator.sim;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assumptions;

/**
 * Tests that need a program of the machine (nginx, chromium, kubectl) find it here. Locally a missing
 * program skips the test with what to install; in CI (CI=true, as .ci/run runs) it fails the test.
 */
public final class SystemPrograms {
  private SystemPrograms() {}

  /** The first of {@code candidates} found on the PATH or as an absolute path. */
  public static Path require(String debianPackage, String... candidates) {
    return require("apt-get install " + debianPackage, p -> true, candidates);
  }

  /**
   * The first of {@code candidates}, on the PATH or as an absolute path, that {@code acceptable}
   * accepts (the right version, say).
   */
  public static Path require(String howToInstall, Predicate<Path> acceptable, String... candidates) {
    Optional<Path> found = find(acceptable, candidates);
    if (found.isPresent()) return found.get();
    String message = "needs " + String.join(" or ", candidates) + ": " + howToInstall;
    if ("true".equalsIgnoreCase(System.getenv("CI"))) fail(message + " (CI installs it in .ci/run)");
    Assumptions.abort(message);
    return null;
  }

  static Optional<Path> find(String... candidates) {
    return find(p -> true, candidates);
  }

  static Optional<Path> find(Predicate<Path> acceptable, String... candidates) {
    for (String candidate : candidates) {
      if (candidate.startsWith("/")) {
        Path p = Path.of(candidate);
        if (Files.isExecutable(p) && acceptable.test(p)) return Optional.of(p);
        continue;
      }
      for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
        Path p = Path.of(dir, candidate);
        if (Files.isExecutable(p) && acceptable.test(p)) return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
