package dev.aigc.operator.render;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The owner rules of DESIGN invariant 3, on the allocator alone: the disks are the record. */
class IdAllocatorTest {
  private static InstanceClaim running(String name, String owner, String created) {
    return new InstanceClaim("uid-" + name + "-" + created, name, owner, created, false, true, null);
  }

  private static InstanceClaim withUid(String uid, String name, String owner, String created) {
    return new InstanceClaim(uid, name, owner, created, false, true, null);
  }

  private static DiskRecord disk(int id, String owner, String instanceUid) {
    return new DiskRecord(id, "user-data-t-" + id, "disk-" + id, owner, "someone", instanceUid, false, false);
  }

  @Test
  void newInstancesGetTheLowestIdsInCreationOrderAndADiskEach() {
    Allocation a = IdAllocator.allocate(List.of(
        running("c", "carol", "3"), running("a", "alice", "1"), running("b", "bob", "2")), List.of(), true);
    assertThat(a.toCreate()).extracting(x -> x.instance().name() + "=" + x.id()).containsExactly("a=0", "b=1", "c=2");
    assertThat(a.running()).containsExactly(0, 1, 2);
    assertThat(a.held()).isEmpty();
  }

  @Test
  void anInstanceHoldsTheIdWhoseDiskNamesItsUidAndWritesNothing() {
    Allocation a = IdAllocator.allocate(List.of(withUid("u1", "a", "alice", "1")), List.of(disk(4, "alice", "u1")), true);
    assertThat(a.ids()).containsEntry("u1", 4);
    assertThat(a.toCreate()).isEmpty();
    assertThat(a.toStamp()).isEmpty();
    assertThat(a.reserveIds()).containsExactly(0, 1, 2, 3);
  }

  @Test
  void aSameNamedInstanceOfAnotherOwnerNeverGetsTheDeletedInstancesDisk() {
    // alice deleted alice-sd (Retain); mallory creates alice-sd: another UID, another owner
    Allocation a = IdAllocator.allocate(List.of(withUid("mallory-uid", "alice-sd", "mallory", "9")),
        List.of(disk(0, "alice", "alice-uid")), true);
    assertThat(a.ids()).containsEntry("mallory-uid", 1);
    assertThat(a.toStamp()).isEmpty();
    assertThat(a.held()).containsExactly(0);
    assertThat(a.retained()).isEqualTo(1);
  }

  /** With one of her disks free already, alice's new instance takes it rather than wait for the one still being released. */
  @Test
  void aNewInstanceWithAFreeDiskOfItsOwnerDoesNotWaitForTheOneBeingReleased() {
    InstanceClaim going = new InstanceClaim("b", "alice-b", "alice", "2", true, false, 1);
    InstanceClaim again = withUid("c", "alice-c", "alice", "3");
    Allocation a = IdAllocator.allocate(List.of(going, again), List.of(disk(0, "alice", "a"), disk(1, "alice", "b")), true);
    assertThat(a.ids()).containsEntry("c", 0);
  }

  /**
   * alice deletes her instance (Retain) and creates another before the first is gone: the new one
   * waits for her disk instead of taking a fresh one (it got a fresh one, and her data stayed on a
   * disk no instance of hers would take); bob's new instance does not wait for her.
   */
  @Test
  void aNewInstanceWaitsForTheDiskItsOwnersDeletedInstanceIsAboutToLeave() {
    InstanceClaim going = new InstanceClaim("old", "alice-sd", "alice", "1", true, false, 0);
    InstanceClaim again = withUid("new", "alice-again", "alice", "2");
    InstanceClaim bob = withUid("bob", "bob-sd", "bob", "3");
    Allocation meanwhile = IdAllocator.allocate(List.of(going, again, bob), List.of(disk(0, "alice", "old")), true);
    assertThat(meanwhile.ids()).doesNotContainKey("new").containsEntry("bob", 1);

    Allocation after = IdAllocator.allocate(List.of(again, bob), List.of(disk(0, "alice", "old"), disk(1, "bob", "bob")), true);
    assertThat(after.ids()).containsEntry("new", 0);
    assertThat(after.toStamp()).singleElement().satisfies(s -> assertThat(s.disk().name()).isEqualTo("user-data-t-0"));

    // with Delete retention there is nothing to wait for
    DiskRecord goingAway = new DiskRecord(0, "user-data-t-0", "disk-0", "alice", "someone", "old", false, true);
    assertThat(IdAllocator.allocate(List.of(going, again), List.of(goingAway), true).ids()).containsEntry("new", 1);
  }

  @Test
  void theReturningOwnerGetsHerRetainedDiskBackWhateverTheName() {
    Allocation a = IdAllocator.allocate(List.of(withUid("new", "another-name", "alice", "9")),
        List.of(disk(0, "bob", "bob-gone"), disk(2, "alice", "alice-gone")), true);
    assertThat(a.ids()).containsEntry("new", 2);
    assertThat(a.toStamp()).singleElement().satisfies(s -> assertThat(s.disk().name()).isEqualTo("user-data-t-2"));
    assertThat(a.toCreate()).isEmpty();
  }

  @Test
  void aDiskThatNamesNoOwnerIsHeldAndGivenToNobody() {
    Allocation a = IdAllocator.allocate(List.of(running("a", "alice", "1")), List.of(disk(0, null, null)), true);
    assertThat(a.toCreate()).singleElement().satisfies(c -> assertThat(c.id()).isEqualTo(1));
    assertThat(a.unclaimed()).containsExactly(0);
    assertThat(a.reserveIds()).containsExactly(0);
  }

  @Test
  void anAdminAssignsAForeignDiskByNamingItsOwner() {
    Allocation a = IdAllocator.allocate(List.of(running("a", "alice", "1")), List.of(disk(0, "alice", null)), true);
    assertThat(a.toStamp()).singleElement().satisfies(s -> assertThat(s.id()).isEqualTo(0));
    assertThat(a.unclaimed()).isEmpty();
  }

  @Test
  void anInstanceWhoseDiskWasLostKeepsItsIdFromItsStatusAndGetsANewDisk() {
    InstanceClaim bob = new InstanceClaim("u-bob", "bob-sd", "bob", "1", false, true, 3);
    Allocation a = IdAllocator.allocate(List.of(bob), List.of(), true);
    assertThat(a.ids()).containsEntry("u-bob", 3);
    assertThat(a.toCreate()).singleElement().satisfies(c -> assertThat(c.id()).isEqualTo(3));
  }

  @Test
  void anInstanceOfVersionZeroOneAdoptsTheUnstampedDiskItsStatusNames() {
    InstanceClaim bob = new InstanceClaim("u-bob", "bob-sd", "bob", "1", false, true, 1);
    Allocation a = IdAllocator.allocate(List.of(bob), List.of(disk(1, null, null)), true);
    assertThat(a.ids()).containsEntry("u-bob", 1);
    assertThat(a.toStamp()).singleElement().satisfies(s -> assertThat(s.id()).isEqualTo(1));
  }

  @Test
  void aStatusCannotClaimADiskOfAnotherOwner() {
    InstanceClaim mallory = new InstanceClaim("u-m", "x", "mallory", "1", false, true, 0);
    Allocation a = IdAllocator.allocate(List.of(mallory), List.of(disk(0, "alice", null)), true);
    assertThat(a.ids()).containsEntry("u-m", 1);
  }

  @Test
  void aStoppedInstanceIsHeldAndADeletingOneKeepsItsIdUntilItIsGone() {
    InstanceClaim stopped = new InstanceClaim("u-s", "s", "sam", "1", false, false, null);
    InstanceClaim deleting = new InstanceClaim("u-d", "d", "dan", "2", true, false, null);
    Allocation a = IdAllocator.allocate(List.of(stopped, deleting, running("r", "ron", "3")),
        List.of(disk(0, "sam", "u-s"), disk(1, "dan", "u-d")), true);
    assertThat(a.running()).containsExactly(2);
    assertThat(a.held()).containsExactly(0, 1);
    assertThat(a.reserveIds()).containsExactly(0, 1);
  }

  @Test
  void aDiskMarkedForDeletionGoesOnlyOnceItsInstanceIsGoneAndIsNotReusedMeanwhile() {
    DiskRecord marked = new DiskRecord(0, "user-data-t-0", "d0", "alice", "alice-sd", "gone", false, true);
    Allocation a = IdAllocator.allocate(List.of(running("b", "bob", "1"), running("a", "alice", "2")), List.of(marked), true);
    assertThat(a.toDelete()).containsExactly(marked);
    assertThat(a.held()).contains(0);
    assertThat(a.ids().values()).doesNotContain(0);

    DiskRecord stillHeld = new DiskRecord(0, "user-data-t-0", "d0", "alice", "alice-sd", "u-a", false, true);
    InstanceClaim deletingAlice = new InstanceClaim("u-a", "alice-sd", "alice", "0", true, false, null);
    assertThat(IdAllocator.allocate(List.of(deletingAlice), List.of(stillHeld), true).toDelete()).isEmpty();
  }

  @Test
  void aDiskBeingDeletedIsHeldUntilItIsGone() {
    DiskRecord terminating = new DiskRecord(0, "user-data-t-0", "d0", "alice", "alice-sd", "gone", true, false);
    Allocation a = IdAllocator.allocate(List.of(running("a", "alice", "1")), List.of(terminating), true);
    assertThat(a.ids()).containsEntry("uid-a-1", 1);
    assertThat(a.held()).containsExactly(0);
  }

  @Test
  void anInvalidTemplateGivesNoNewIdsButKeepsTheHeldOnesRunningOrStopped() {
    InstanceClaim stopped = new InstanceClaim("u-s", "s", "sam", "1", false, false, null);
    Allocation a = IdAllocator.allocate(List.of(stopped, running("new", "nina", "2")), List.of(disk(0, "sam", "u-s")), false);
    assertThat(a.ids()).containsOnlyKeys("u-s");
    assertThat(a.toCreate()).isEmpty();
    assertThat(a.replicas()).isZero();
    assertThat(a.reserveIds()).containsExactly(0);
  }

  @Test
  void reserveIsEveryIdUpToTheHighestHeldThatShouldNotRun() {
    Allocation a = Allocation.of(new java.util.TreeSet<>(List.of(0, 3)), new java.util.TreeSet<>(List.of(6)));
    assertThat(a.replicas()).isEqualTo(2);
    assertThat(a.reserveIds()).containsExactly(1, 2, 4, 5, 6);
  }

  private static DiskRecord fromClaim(int id, java.util.Map<String, String> labels) {
    var pvc = new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder().withNewMetadata()
        .withName("user-data-t-" + id).withUid("d" + id).withLabels(labels).endMetadata().build();
    return DiskRecord.of("t", pvc);
  }

  @Test
  void aBlankDiskOkgMadeIsReusedOrRemovedButAVersionZeroOneDiskNever() {
    DiskRecord blank = fromClaim(0, Labels.forDisk("t"));
    DiskRecord legacy = fromClaim(1, Labels.forTemplate("t", Labels.DEDICATED));
    DiskRecord foreign = fromClaim(2, java.util.Map.of());
    assertThat(blank.blank()).isTrue();
    assertThat(legacy.blank()).as("0.1 disks carry app.kubernetes.io/instance and may hold data").isFalse();
    assertThat(foreign.blank()).isFalse();

    Allocation taken = IdAllocator.allocate(List.of(running("a", "alice", "1")), List.of(blank, legacy, foreign), true);
    assertThat(taken.toStamp()).singleElement().satisfies(s -> assertThat(s.id()).isZero());
    assertThat(taken.toCreate()).isEmpty();
    assertThat(taken.unclaimed()).containsExactly(1, 2);

    Allocation spare = IdAllocator.allocate(List.of(), List.of(blank, legacy), true);
    assertThat(spare.toDelete()).containsExactly(blank);
    assertThat(spare.held()).contains(0, 1);
  }
}
