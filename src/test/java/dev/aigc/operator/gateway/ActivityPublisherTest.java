package dev.aigc.operator.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.gateway.ActivityPublisher.Reason;
import dev.aigc.operator.gateway.ActivityPublisher.Write;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** What the gateway writes into status.lastActivity, from its touches and what the informer shows. */
class ActivityPublisherTest {
  private static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");

  private static InstanceDirectory.Entry running(String lastActivity) {
    return new InstanceDirectory.Entry("team-a", "alice-sd", "alice", InstancePhase.Running, lastActivity, null);
  }

  private static InstanceDirectory.Entry suspended(String lastActivity, String suspendedAt) {
    return new InstanceDirectory.Entry("team-a", "alice-sd", "alice", InstancePhase.Suspended, lastActivity, suspendedAt);
  }

  private static List<Write> due(InstanceDirectory.Entry entry, Instant touch, Instant written) {
    Map<String, Instant> mine = new HashMap<>();
    if (written != null) mine.put(entry.key(), written);
    return ActivityPublisher.due(List.of(entry), touch == null ? Map.of() : Map.of(entry.key(), touch), mine);
  }

  @Test
  void theFirstTouchIsWrittenAtSecondsPrecision() {
    assertThat(due(running(null), T0.plusMillis(1_500), null))
        .containsExactly(new Write("team-a", "alice-sd", T0.plusSeconds(1), Reason.ACTIVITY));
  }

  @Test
  void aTouchWithinAMinuteOfThePublishedActivityIsNotWritten() {
    assertThat(due(running("2026-11-24T10:00:00Z"), T0.plusMillis(59_999), null)).isEmpty();
    assertThat(due(running("2026-11-24T10:00:00Z"), T0.plusSeconds(60), null)).hasSize(1);
  }

  @Test
  void whatThisReplicaWroteCountsBeforeItsInformerShowsIt() {
    assertThat(due(running("2026-11-24T09:50:00Z"), T0.plusSeconds(30), T0)).isEmpty();
  }

  @Test
  void anotherReplicasNewerActivityCounts() {
    assertThat(due(running("2026-11-24T10:00:40Z"), T0.plusSeconds(70), T0)).isEmpty();
  }

  @Test
  void noTouchNoWrite() {
    assertThat(due(running(null), null, null)).isEmpty();
  }

  @Test
  void aTouchAfterTheSuspensionWakesAtOnceAndOnlyOnce() {
    var entry = suspended("2026-11-24T09:58:00Z", "2026-11-24T10:00:00Z");
    assertThat(due(entry, T0.plusMillis(10_200), null)).containsExactly(new Write("team-a", "alice-sd", T0.plusSeconds(10), Reason.WAKE));
    // written, not yet seen by the informer: no second wake
    assertThat(due(entry, T0.plusSeconds(12), T0.plusSeconds(10))).isEmpty();
    // the informer shows a wake already (another replica's): none from here either
    assertThat(due(suspended("2026-11-24T10:00:05Z", "2026-11-24T10:00:00Z"), T0.plusSeconds(12), null)).isEmpty();
  }

  @Test
  void aWakeInTheSuspensionsOwnSecondIsWrittenAfterIt() {
    // 10:00:00.300 truncated would be 10:00:00, not after the suspension: the operator would not wake it
    assertThat(due(suspended(null, "2026-11-24T10:00:00Z"), T0.plusMillis(300), null))
        .containsExactly(new Write("team-a", "alice-sd", T0.plusSeconds(1), Reason.WAKE));
  }

  @Test
  void aTouchFromBeforeTheSuspensionDoesNotWake() {
    assertThat(due(suspended("2026-11-24T09:58:00Z", "2026-11-24T10:00:00Z"), T0.minusSeconds(5), null))
        .extracting(Write::reason).doesNotContain(Reason.WAKE);
  }

  @Test
  void anInstanceBeingDeletedIsNotWritten() {
    var deleting = new InstanceDirectory.Entry("team-a", "alice-sd", "alice", InstancePhase.Deleting, null, null);
    assertThat(due(deleting, T0, null)).isEmpty();
  }

  /**
   * One replica, ticking every 5 s over any pattern of touches while its informer shows its writes
   * some ticks late: two activity writes of one instance are never less than a minute apart (so at
   * most one per minute of touches), and the newest touch is never more than a minute ahead of what
   * is published.
   */
  @Property(tries = 300)
  void atMostOneWriteAMinuteWhateverTheTouches(@ForAll @Size(min = 1, max = 400) List<@IntRange(min = 0, max = 20_000) Integer> gapsMillis,
      @ForAll @IntRange(min = 0, max = 5) int informerLagTicks) {
    var entryKey = running(null).key();
    List<Instant> touches = new ArrayList<>();
    Instant t = T0.plusMillis(123);
    for (int gap : gapsMillis) touches.add(t = t.plusMillis(gap));
    Instant end = t.plus(ActivityPublisher.TICK.multipliedBy(2));
    List<Instant> activityWrites = new ArrayList<>();
    List<Instant> shownAt = new ArrayList<>(); // when each write becomes visible in the informer
    Map<String, Instant> written = new HashMap<>();
    int next = 0;
    Instant newest = null;
    for (Instant tick = T0; !tick.isAfter(end); tick = tick.plus(ActivityPublisher.TICK)) {
      while (next < touches.size() && !touches.get(next).isAfter(tick)) newest = touches.get(next++);
      String shown = null;
      for (int i = 0; i < activityWrites.size(); i++) if (!shownAt.get(i).isAfter(tick)) shown = activityWrites.get(i).toString();
      if (newest == null) continue;
      for (Write w : ActivityPublisher.due(List.of(running(shown)), Map.of(entryKey, newest), written)) {
        assertThat(w.reason()).isEqualTo(Reason.ACTIVITY);
        written.put(entryKey, w.lastActivity());
        activityWrites.add(w.lastActivity());
        shownAt.add(tick.plus(ActivityPublisher.TICK.multipliedBy(informerLagTicks)));
      }
      Instant published = activityWrites.get(activityWrites.size() - 1);
      assertThat(Duration.between(published, newest)).as("published activity trails the newest touch by at most a minute (and its fraction of a second)")
          .isLessThan(ActivityPublisher.INTERVAL.plusSeconds(1));
    }
    for (int i = 1; i < activityWrites.size(); i++) {
      assertThat(Duration.between(activityWrites.get(i - 1), activityWrites.get(i))).isGreaterThanOrEqualTo(ActivityPublisher.INTERVAL);
    }
    long minutes = Duration.between(touches.get(0).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
        touches.get(touches.size() - 1).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)).toMinutes();
    assertThat(activityWrites.size()).isLessThanOrEqualTo((int) minutes + 1);
  }

  /** A suspended instance: whatever the touches before, the first tick after a touch newer than the suspension writes a wake. */
  @Property(tries = 200)
  void aSuspendedInstancesNewerTouchIsWrittenAtOnce(@ForAll @IntRange(min = 1, max = 600_000) int afterMillis,
      @ForAll @IntRange(min = 0, max = 3_600) int lastActivityBeforeSeconds) {
    Instant suspendedAt = T0;
    var entry = suspended(suspendedAt.minusSeconds(lastActivityBeforeSeconds).toString(), suspendedAt.toString());
    Instant touch = suspendedAt.plusMillis(afterMillis);
    List<Write> writes = due(entry, touch, null);
    assertThat(writes).hasSize(1);
    assertThat(writes.get(0).reason()).isEqualTo(Reason.WAKE);
    assertThat(writes.get(0).lastActivity()).isAfter(suspendedAt).isBeforeOrEqualTo(touch.plusSeconds(1));
  }
}
