package dev.aigc.operator.render;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Gives every instance of one template an ID for its whole life (DESIGN invariant 3), from the one
 * record that outlives everything else: the disks.
 *
 * <ol>
 *   <li>An instance holds the ID whose disk is stamped with its UID.
 *   <li>An instance whose disk is gone but whose status names an ID keeps that ID (a new disk is
 *       made) unless the ID's disk belongs to someone else; a disk of that ID without an instance
 *       stamp and without another owner (one written by an earlier version) is adopted.
 *   <li>A new instance gets, first, the lowest ID whose disk its owner left behind (data restore),
 *       else the lowest ID that has no disk (or only a blank one OKG made) and no holder. An ID with
 *       a disk never goes to another owner, and a disk that names no owner goes to nobody; blank
 *       disks nobody takes are removed. While an instance of its owner is being deleted with a disk
 *       to keep, a new one that finds none of the owner's disks free waits for that disk rather
 *       than take a fresh one.
 * </ol>
 */
public final class IdAllocator {
  private static final Comparator<InstanceClaim> OLDEST_FIRST =
      Comparator.comparing(InstanceClaim::createdAt, Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(InstanceClaim::name, Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(InstanceClaim::uid, Comparator.nullsLast(Comparator.naturalOrder()));

  private IdAllocator() {}

  /**
   * Whether the disk of an instance being deleted goes back to its owner's next instance of the
   * template (data restore), which then waits for it rather than take a fresh ID.
   */
  public static boolean comesBackToOwner(DiskRecord disk) {
    return disk != null && !disk.deleteOnRelease() && !disk.deleting();
  }

  /** A blank disk (see {@link DiskRecord#blank}) is as good as none: a new instance may take it. */
  private static boolean reusable(DiskRecord d) {
    return d.blank() && !d.deleting();
  }

  /**
   * @param claims every instance of the template, including those being deleted
   * @param disks every disk of the template that exists
   * @param allowNew whether IDs may be given to instances that hold none (false while the template is
   *     invalid: its storage cannot be trusted to make a disk)
   */
  public static Allocation allocate(List<InstanceClaim> claims, Collection<DiskRecord> disks, boolean allowNew) {
    return allocate(claims, disks, allowNew, Set.of());
  }

  /**
   * @param waiting UIDs of instances that want to run but wait for a quota ({@link QuotaAdmission}):
   *     they do not run, and one that holds no ID yet gets none (nor a disk) until it may run
   */
  public static Allocation allocate(List<InstanceClaim> claims, Collection<DiskRecord> disks, boolean allowNew, Set<String> waiting) {
    List<InstanceClaim> ordered = claims.stream().filter(c -> c.uid() != null).sorted(OLDEST_FIRST).toList();
    Set<String> live = new HashSet<>();
    for (InstanceClaim c : ordered) live.add(c.uid());
    TreeMap<Integer, DiskRecord> byId = new TreeMap<>();
    for (DiskRecord d : disks) byId.merge(d.id(), d, (a, b) -> a);

    Map<Integer, String> holder = new HashMap<>();
    TreeMap<String, Integer> ids = new TreeMap<>();
    List<Allocation.Assignment> toCreate = new ArrayList<>();
    List<Allocation.Assignment> toStamp = new ArrayList<>();

    for (DiskRecord d : byId.values()) {
      if (d.instanceUid() != null && live.contains(d.instanceUid()) && !ids.containsKey(d.instanceUid())) {
        ids.put(d.instanceUid(), d.id());
        holder.put(d.id(), d.instanceUid());
      }
    }
    for (InstanceClaim c : ordered) {
      Integer s = c.statusId();
      if (ids.containsKey(c.uid()) || s == null || s < 0 || holder.containsKey(s) || c.deleting()) continue;
      DiskRecord d = byId.get(s);
      if (d == null) {
        toCreate.add(new Allocation.Assignment(s, c, null));
      } else if (d.instanceUid() == null && !d.deleting() && (d.owner() == null || d.owner().equals(c.owner()))) {
        toStamp.add(new Allocation.Assignment(s, c, d));
      } else {
        continue;
      }
      ids.put(c.uid(), s);
      holder.put(s, c.uid());
    }
    if (allowNew) {
      // owners whose instance is being deleted with its disk to keep: that disk is theirs to get back
      // a moment from now (data restore), so a new instance of theirs waits for it, not for a fresh one
      Set<String> diskComing = new HashSet<>();
      for (InstanceClaim c : ordered) {
        DiskRecord d = ids.containsKey(c.uid()) ? byId.get(ids.get(c.uid())) : null;
        if (c.deleting() && c.owner() != null && comesBackToOwner(d)) diskComing.add(c.owner());
      }
      for (InstanceClaim c : ordered) {
        if (ids.containsKey(c.uid()) || c.deleting() || waiting.contains(c.uid())) continue;
        DiskRecord own = byId.values().stream()
            .filter(d -> c.owner() != null && c.owner().equals(d.owner()) && !holder.containsKey(d.id())
                && !live.contains(d.instanceUid()) && !d.deleting() && !d.deleteOnRelease())
            .findFirst().orElse(null);
        // a disk of the owner's free now is as much hers as the one still being released
        if (own == null && diskComing.contains(c.owner())) continue;
        int id;
        if (own != null) {
          id = own.id();
          toStamp.add(new Allocation.Assignment(id, c, own));
        } else {
          id = 0;
          while (holder.containsKey(id) || (byId.containsKey(id) && !reusable(byId.get(id)))) id++;
          DiskRecord blank = byId.get(id);
          if (blank == null) toCreate.add(new Allocation.Assignment(id, c, null));
          else toStamp.add(new Allocation.Assignment(id, c, blank));
        }
        ids.put(c.uid(), id);
        holder.put(id, c.uid());
      }
    }

    TreeSet<Integer> running = new TreeSet<>();
    TreeSet<Integer> held = new TreeSet<>(byId.keySet());
    for (InstanceClaim c : ordered) {
      Integer id = ids.get(c.uid());
      if (id == null) continue;
      if (c.wantsToRun() && !waiting.contains(c.uid())) running.add(id);
      else held.add(id);
    }
    held.removeAll(running);

    List<DiskRecord> toDelete = new ArrayList<>();
    TreeSet<Integer> unclaimed = new TreeSet<>();
    int retained = 0;
    for (DiskRecord d : byId.values()) {
      if (holder.containsKey(d.id())) continue;
      if ((d.deleteOnRelease() || d.blank()) && !d.deleting()) toDelete.add(d);
      else if (d.owner() == null && !d.blank()) unclaimed.add(d.id());
      else if (!d.deleting()) retained++;
    }
    return new Allocation(ids, running, held, toCreate, toStamp, toDelete, unclaimed, retained);
  }
}
