package dev.aigc.operator.render;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which instance holds which ID, and from that what the GameServerSet must say (DESIGN invariant 2).
 *
 * @param ids instance name to ID, for every instance that holds one
 * @param running S: the IDs that should run
 * @param held H: IDs that must not run now but may not be given away (stopped, deleting, retained disks)
 */
public record Allocation(SortedMap<String, Integer> ids, SortedSet<Integer> running, SortedSet<Integer> held) {

  public Allocation {
    ids = Collections.unmodifiableSortedMap(ids);
    running = Collections.unmodifiableSortedSet(running);
    held = Collections.unmodifiableSortedSet(held);
  }

  public static Allocation empty() {
    return new Allocation(new java.util.TreeMap<>(), new TreeSet<>(), new TreeSet<>());
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
