package dev.aigc.operator.render;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IdAllocatorTest {
  private static InstanceClaim running(String name, String created, Integer id) {
    return new InstanceClaim(name, name + "-owner", created, false, true, id);
  }

  @Test
  void newInstancesGetTheLowestFreeIdsInOrderOfCreation() {
    Allocation a = IdAllocator.allocate(List.of(
        running("c", "2026-01-01T00:00:03Z", null),
        running("a", "2026-01-01T00:00:01Z", null),
        running("b", "2026-01-01T00:00:02Z", null)), Map.of());
    assertThat(a.ids()).containsExactlyInAnyOrderEntriesOf(Map.of("a", 0, "b", 1, "c", 2));
    assertThat(a.replicas()).isEqualTo(3);
    assertThat(a.reserveIds()).isEmpty();
  }

  @Test
  void sameCreationTimeIsOrderedByName() {
    Allocation a = IdAllocator.allocate(List.of(running("b", "2026-01-01T00:00:00Z", null),
        running("a", "2026-01-01T00:00:00Z", null)), Map.of());
    assertThat(a.ids()).containsEntry("a", 0).containsEntry("b", 1);
  }

  @Test
  void heldIdsAreKeptAndGapsFilled() {
    Allocation a = IdAllocator.allocate(List.of(
        running("old", "2026-01-01T00:00:00Z", 2),
        running("new", "2026-01-02T00:00:00Z", null)), Map.of());
    assertThat(a.ids()).containsEntry("old", 2).containsEntry("new", 0);
    assertThat(a.reserveIds()).containsExactly(1);
  }

  @Test
  void stoppedAndDeletingInstancesHoldTheirIdsWithoutRunning() {
    Allocation a = IdAllocator.allocate(List.of(
        running("a", "1", 0),
        new InstanceClaim("b", "bob", "2", false, false, 1),
        new InstanceClaim("c", "carol", "3", true, false, 2),
        running("d", "4", null)), Map.of());
    assertThat(a.ids()).containsEntry("d", 3);
    assertThat(a.running()).containsExactly(0, 3);
    assertThat(a.held()).containsExactly(1, 2);
    assertThat(a.replicas()).isEqualTo(2);
    assertThat(a.reserveIds()).containsExactly(1, 2);
  }

  @Test
  void aDeletingInstanceWithoutAnIdGetsNone() {
    Allocation a = IdAllocator.allocate(List.of(new InstanceClaim("gone", "x", "1", true, false, null)), Map.of());
    assertThat(a.ids()).isEmpty();
  }

  @Test
  void aRetainedDiskKeepsItsIdFromOtherOwnersAndGoesBackToItsOwner() {
    Map<Integer, String> disks = Map.of(0, "alice", 1, "");
    Allocation a = IdAllocator.allocate(List.of(
        new InstanceClaim("bob-sd", "bob", "1", false, true, null),
        new InstanceClaim("alice-sd", "alice", "2", false, true, null)), disks);
    assertThat(a.ids()).containsEntry("bob-sd", 2).containsEntry("alice-sd", 0);
    assertThat(a.held()).containsExactly(1);
    assertThat(a.reserveIds()).containsExactly(1);
  }

  @Test
  void whenTwoInstancesClaimOneIdTheOlderKeepsIt() {
    Allocation a = IdAllocator.allocate(List.of(running("young", "2", 0), running("old", "1", 0)), Map.of());
    assertThat(a.ids()).containsEntry("old", 0).containsEntry("young", 1);
  }

  @Test
  void reserveIsEveryIdUpToTheHighestHeldThatShouldNotRun() {
    Allocation a = new Allocation(new java.util.TreeMap<>(), new java.util.TreeSet<>(List.of(0, 3)), new java.util.TreeSet<>(List.of(6)));
    assertThat(a.replicas()).isEqualTo(2);
    assertThat(a.reserveIds()).containsExactly(1, 2, 4, 5, 6);
  }
}
