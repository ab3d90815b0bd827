package dev.aigc.operator.cli;

import picocli.CommandLine.Option;

/** Where the instance ingresses send ingress-nginx's auth checks and unsigned-in browsers. */
class InstanceAuthOptions {
  @Option(names = "--gateway-auth-url", defaultValue = "${env:AIGC_GATEWAY_AUTH_URL}",
      description = "The gateway's in-cluster /auth URL, the instances' auth-url (env AIGC_GATEWAY_AUTH_URL).")
  String authUrl;

  @Option(names = "--gateway-signin-url", defaultValue = "${env:AIGC_GATEWAY_SIGNIN_URL}",
      description = "The gateway's public sign-in URL, the instances' auth-signin (env AIGC_GATEWAY_SIGNIN_URL).")
  String signInUrl;

  static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
