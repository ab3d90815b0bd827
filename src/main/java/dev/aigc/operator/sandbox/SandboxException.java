package dev.aigc.operator.sandbox;

/** Why the sandbox cannot start, in words for the person who started it. */
public class SandboxException extends RuntimeException {
  public SandboxException(String message) {
    super(message);
  }
}
