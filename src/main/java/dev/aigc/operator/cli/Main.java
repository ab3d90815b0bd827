package dev.aigc.operator.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one jar's entry point: {@code run} the operator, or {@code render} what it would create. */
@Command(
    name = "aigc-operator",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Per-user AIGC instances on OpenKruiseGame and shared endpoints on Knative.",
    subcommands = {RunCommand.class, RenderCommand.class, SandboxCommand.class})
public class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs a command line and returns its exit status (2 for bad input, as picocli does for usage). */
  public static int execute(String... args) {
    return commandLine().execute(args);
  }

  /** As {@link #execute(String...)}, writing to the given streams (for tests and embedding). */
  public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
    return commandLine().setOut(out).setErr(err).execute(args);
  }

  private static CommandLine commandLine() {
    return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
