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
}
