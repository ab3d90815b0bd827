package dev.aigc.operator.render;

import java.time.Duration;
import java.util.regex.Matcher;

/** Durations as the API writes them ({@code 30m}, {@code 1h30m}, {@code 2d}; see Patterns.DURATION). */
public final class Durations {
  private static final java.util.regex.Pattern PART = java.util.regex.Pattern.compile("([0-9]{1,6})([smhd])");
  private static final java.util.regex.Pattern WHOLE = java.util.regex.Pattern.compile(dev.aigc.operator.api.Patterns.DURATION);

  private Durations() {}

  /** The duration, or null when the text is absent or not one (the schema refuses those). */
  public static Duration parse(String text) {
    if (text == null || !WHOLE.matcher(text).matches()) return null;
    Duration total = Duration.ZERO;
    Matcher part = PART.matcher(text);
    while (part.find()) {
      long n = Long.parseLong(part.group(1));
      total = total.plus(switch (part.group(2)) {
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      });
    }
    return total;
  }

  /** A duration as the API writes them, to the minute ({@code 1h30m}; under a minute, seconds). */
  public static String text(Duration d) {
    if (d.compareTo(Duration.ofMinutes(1)) < 0) return Math.max(0, d.toSeconds()) + "s";
    long minutes = d.toMinutes();
    StringBuilder out = new StringBuilder();
    if (minutes >= 1440) out.append(minutes / 1440).append('d');
    if (minutes % 1440 >= 60) out.append(minutes % 1440 / 60).append('h');
    if (minutes % 60 > 0) out.append(minutes % 60).append('m');
    return out.toString();
  }
}
