package dev.aigc.operator.cli;

import picocli.CommandLine.IVersionProvider;

class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = Main.class.getPackage().getImplementationVersion();
    return new String[] {"aigc-operator " + (version == null ? "development build" : version)};
  }
}
