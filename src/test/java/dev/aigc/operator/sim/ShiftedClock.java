package dev.aigc.operator.sim;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Wall time plus an offset a test moves forward, for the operator's and gateway's idle decisions:
 * an hour of idleness passes at once, while everything else (rescheduling, timeouts) keeps real time.
 */
public final class ShiftedClock extends Clock {
  private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

  public void advance(Duration by) {
    offset.updateAndGet(d -> d.plus(by));
  }

  public void moveTo(Instant when) {
    offset.set(Duration.between(Instant.now(), when));
  }

  @Override
  public Instant instant() {
    return Instant.now().plus(offset.get());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
