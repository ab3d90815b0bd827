package dev.aigc.operator.render;

import dev.aigc.operator.okg.GameServerSet;
import java.util.Locale;

/** Names of the objects that exist per template and per instance ID. */
public final class Names {
  /** The name of the volume and of the claim template; OKG names each disk {@code user-data-<gss>-<id>}. */
  public static final String DATA_VOLUME = "user-data";

  private Names() {}

  /** One GameServerSet per template, named after it. */
  public static String gameServerSet(String template) {
    return template;
  }

  public static String gameServer(String template, int id) {
    return GameServerSet.podName(gameServerSet(template), id);
  }

  public static String volumeClaim(String template, int id) {
    return DATA_VOLUME + "-" + gameServer(template, id);
  }

  /** The ID encoded in a disk name of this template, or -1 when the name is not one of its disks. */
  public static int idOfVolumeClaim(String template, String claimName) {
    String prefix = DATA_VOLUME + "-" + gameServerSet(template) + "-";
    if (!claimName.startsWith(prefix)) return -1;
    String rest = claimName.substring(prefix.length());
    if (rest.isEmpty() || rest.length() > 9 || !rest.chars().allMatch(Character::isDigit)) return -1;
    return Integer.parseInt(rest);
  }

  /** The template a disk name {@code user-data-<template>-<id>} belongs to, or null when it is not a disk name. */
  public static String templateOfVolumeClaim(String claimName) {
    String prefix = DATA_VOLUME + "-";
    int dash = claimName.lastIndexOf('-');
    if (!claimName.startsWith(prefix) || dash <= prefix.length()) return null;
    String id = claimName.substring(dash + 1);
    if (id.isEmpty() || id.length() > 9 || !id.chars().allMatch(Character::isDigit)) return null;
    return claimName.substring(prefix.length(), dash);
  }

  /**
   * The Service in the template's namespace that ingress-nginx hands a suspended instance's 503 to
   * (its {@code default-backend}, which must be a Service of the Ingress's namespace with endpoints):
   * {@code <template>-wake}, a DNS label. A template name too long for one, or with dots, is
   * shortened and made unique again with a hash of the whole name.
   */
  public static String wakeService(String template) {
    String suffix = "-wake";
    if (template.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?") && template.length() + suffix.length() <= 63) return template + suffix;
    String hash;
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(template.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      hash = java.util.HexFormat.of().formatHex(digest, 0, 4);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    String prefix = template.replaceAll("[^a-z0-9-]", "-");
    prefix = prefix.substring(0, Math.min(prefix.length(), 63 - suffix.length() - hash.length() - 1)).replaceAll("^-+|-+$", "");
    return (prefix.isEmpty() ? "" : prefix + "-") + hash + suffix;
  }

  /** The container name: the image's repository name, e.g. {@code .../lab/stable-diffusion:v1} gives stable-diffusion. */
  public static String container(String image) {
    String repo = image;
    int at = repo.indexOf('@');
    if (at >= 0) repo = repo.substring(0, at);
    int slash = repo.lastIndexOf('/');
    if (slash >= 0) repo = repo.substring(slash + 1);
    int colon = repo.indexOf(':');
    if (colon >= 0) repo = repo.substring(0, colon);
    String name = repo.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-").replaceAll("^-+|-+$", "");
    if (name.length() > 63) name = name.substring(0, 63).replaceAll("-+$", "");
    return name.isEmpty() ? "app" : name;
  }
}
