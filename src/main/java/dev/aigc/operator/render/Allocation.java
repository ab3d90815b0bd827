package dev.aigc.operator.render;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which instance holds which ID, what the GameServerSet must say about it (DESIGN invariant 2), and
 * the disk writes that record it (invariant 3).
 *
 * @param ids instance UID to ID, for every instance that holds one
 * @param running S: the IDs that should run
 * @param held H: IDs that must not run now but may not be given away (stopped, deleting, any disk)
 * @param toCreate disks to create for an ID now given to an instance
 * @param toStamp existing disks now given to an instance (a returning owner's, or adopted from its own status)
 * @param toDelete disks whose instance was deleted with retention Delete and whose ID no longer runs
 * @param unclaimed IDs of disks that name no owner: held, never handed out, until an admin names one
 * @param retained disks kept for an owner whose instance is gone
 */
public record Allocation(SortedMap<String, Integer> ids, SortedSet<Integer> running, SortedSet<Integer> held,
    List<Assignment> toCreate, List<Assignment> toStamp, List<DiskRecord> toDelete, SortedSet<Integer> unclaimed,
    int retained) {

  /** An ID given to an instance; {@code disk} is the existing disk it takes over, null for a new one. */
  public record Assignment(int id, InstanceClaim instance, DiskRecord disk) {}

  public Allocation {
    ids = Collections.unmodifiableSortedMap(ids);
    running = Collections.unmodifiableSortedSet(running);
    held = Collections.unmodifiableSortedSet(held);
    toCreate = List.copyOf(toCreate);
    toStamp = List.copyOf(toStamp);
    toDelete = List.copyOf(toDelete);
    unclaimed = Collections.unmodifiableSortedSet(unclaimed);
  }

  public static Allocation empty() {
    return of(new TreeSet<>(), new TreeSet<>());
  }

  /** Just the sets, for rendering without instances. */
  public static Allocation of(SortedSet<Integer> running, SortedSet<Integer> held) {
    return new Allocation(new TreeMap<>(), running, held, List.of(), List.of(), List.of(), new TreeSet<>(), 0);
  }

  /** replicas = |S|. */
  public int replicas() {
    return running.size();
  }

  /**
   * Every ID in [0, max(S ∪ H)] not in S. OKG fills the lowest IDs that are neither running nor
   * reserved, so it creates exactly S, and a scale-down can only remove an ID we meant to release.
   */
  public List<Integer> reserveIds() {
    int max = -1;
    if (!running.isEmpty()) max = running.last();
    if (!held.isEmpty()) max = Math.max(max, held.last());
    List<Integer> reserve = new ArrayList<>();
    for (int id = 0; id <= max; id++) {
      if (!running.contains(id)) reserve.add(id);
    }
    return reserve;
  }
}
