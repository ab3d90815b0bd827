package dev.aigc.operator.render;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Gives every instance of one template an ID for its whole life (DESIGN invariant 3).
 *
 * <p>An instance keeps the ID it holds. A new instance gets, first, the lowest ID whose retained disk
 * belonged to the same owner (so reinstalling brings one's data back), else the lowest ID that no
 * instance holds and no retained disk occupies. When two instances claim one ID (a record was lost and
 * rebuilt from statuses), the older keeps it and the younger gets a new one.
 */
public final class IdAllocator {
  private static final Comparator<InstanceClaim> OLDEST_FIRST =
      Comparator.comparing(InstanceClaim::createdAt, Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(InstanceClaim::name);

  private IdAllocator() {}

  /**
   * @param claims every instance of the template, including those being deleted
   * @param retainedDisks ID to the owner recorded on that disk ("" when unknown), for every disk of the
   *     template that exists
   */
  public static Allocation allocate(List<InstanceClaim> claims, Map<Integer, String> retainedDisks) {
    List<InstanceClaim> ordered = claims.stream().sorted(OLDEST_FIRST).toList();
    Map<Integer, String> holderOf = new HashMap<>();
    TreeMap<String, Integer> ids = new TreeMap<>();

    for (InstanceClaim claim : ordered) {
      Integer id = claim.recordedId();
      if (id != null && id >= 0 && !holderOf.containsKey(id)) {
        holderOf.put(id, claim.name());
        ids.put(claim.name(), id);
      }
    }
    for (InstanceClaim claim : ordered) {
      if (ids.containsKey(claim.name()) || claim.deleting()) continue;
      int id = ownRetainedDisk(claim.owner(), retainedDisks, holderOf);
      if (id < 0) id = lowestFree(holderOf, retainedDisks);
      holderOf.put(id, claim.name());
      ids.put(claim.name(), id);
    }

    TreeSet<Integer> running = new TreeSet<>();
    TreeSet<Integer> held = new TreeSet<>(retainedDisks.keySet());
    for (InstanceClaim claim : ordered) {
      Integer id = ids.get(claim.name());
      if (id == null) continue;
      if (claim.wantsToRun()) running.add(id);
      else held.add(id);
    }
    held.removeAll(running);
    return new Allocation(ids, running, held);
  }

  private static int ownRetainedDisk(String owner, Map<Integer, String> disks, Map<Integer, String> holderOf) {
    return disks.entrySet().stream()
        .filter(e -> owner != null && Objects.equals(owner, e.getValue()) && !holderOf.containsKey(e.getKey()))
        .mapToInt(Map.Entry::getKey)
        .min()
        .orElse(-1);
  }

  private static int lowestFree(Map<Integer, String> holderOf, Map<Integer, String> disks) {
    int id = 0;
    while (holderOf.containsKey(id) || disks.containsKey(id)) id++;
    return id;
  }
}
