package dev.aigc.operator.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A kubeconfig for the sandbox's API: one cluster, one user without credentials, namespace default. */
final class Kubeconfig {
  static final String NAME = "aigc-sandbox";
  private static final String MARK = "# Written by aigc-operator sandbox";

  private Kubeconfig() {}

  /** Refuses a file that the sandbox did not write (someone's real kubeconfig, named by mistake). */
  static void requireOurs(Path file) throws IOException {
    if (Files.exists(file) && !Files.readString(file, StandardCharsets.UTF_8).startsWith(MARK)) {
      throw new SandboxException(file + " exists and was not written by the sandbox; name another file with --kubeconfig");
    }
  }

  static void write(Path file, String apiUrl) throws IOException {
    requireOurs(file);
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) Files.createDirectories(parent);
    Files.writeString(file, String.join("\n",
        MARK + "; it is rewritten each time the sandbox starts.",
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: " + NAME,
        "  cluster:",
        "    server: " + apiUrl,
        "contexts:",
        "- name: " + NAME,
        "  context:",
        "    cluster: " + NAME,
        "    user: " + NAME,
        "    namespace: " + Sandbox.NAMESPACE,
        "current-context: " + NAME,
        "users:",
        "- name: " + NAME,
        "  user: {}",
        ""), StandardCharsets.UTF_8);
  }
}
