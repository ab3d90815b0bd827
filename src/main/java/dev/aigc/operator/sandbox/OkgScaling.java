package dev.aigc.operator.sandbox;

import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * OpenKruiseGame's GameServerSet scaling step, transcribed from kruise-game (master d76ace2)
 * {@code pkg/controllers/gameserverset/gameserverset_manager.go} and the helpers it calls in
 * {@code pkg/util}. Pure: no client, no clock. {@link OkgScalingConformanceTest} runs OKG's own
 * table tests against it. Method names follow the Go functions they copy.
 *
 * <p>Go's {@code sets.Set[int]} becomes a sorted {@link Set}; a Go {@code nil} set (what OKG gets
 * back from a malformed reserve list) is an empty one, which behaves the same in every caller.
 */
public final class OkgScaling {
  /** {@code GameServerSetReserveIdsKey}: OKG's record of the last explicit reserve set. */
  public static final String RESERVE_IDS_ANNOTATION = "game.kruise.io/reserve-ids";
  /** Pod labels that the GameServer controller copies from the GameServer's spec. */
  public static final String OPS_STATE_LABEL = "game.kruise.io/gs-opsState";
  public static final String DELETE_PRIORITY_LABEL = "game.kruise.io/gs-delete-priority";
  /** Kruise's lifecycle label ({@code appspub.LifecycleStateKey}). */
  public static final String LIFECYCLE_STATE_LABEL = "lifecycle.apps.kruise.io/state";
  public static final String PREPARING_DELETE = "PreparingDelete";
  public static final String RESERVE_IDS_STRATEGY = "ReserveIds";

  public static final String KILL = "Kill";
  public static final String WAIT_TO_BE_DELETED = "WaitToBeDeleted";
  public static final String NONE = "None";
  public static final String ALLOCATED = "Allocated";
  public static final String MAINTAINING = "Maintaining";

  private OkgScaling() {}

  /**
   * A pod as the scaling step reads it: its name's index, two labels ({@code ""} when absent, as a
   * Go map lookup gives), whether it has a deletionTimestamp and whether Kruise holds it in
   * PreparingDelete.
   */
  public record PodView(int id, String opsState, String deletionPriority, boolean terminating, boolean preparingDelete) {
    public PodView {
      opsState = opsState == null ? "" : opsState;
      deletionPriority = deletionPriority == null ? "" : deletionPriority;
    }

    /** From a pod's name and labels, as OKG reads them. */
    public static PodView of(String name, Map<String, String> labels, boolean terminating) {
      Map<String, String> l = labels == null ? Map.of() : labels;
      return new PodView(getIndexFromGsName(name), l.get(OPS_STATE_LABEL), l.get(DELETE_PRIORITY_LABEL), terminating,
          PREPARING_DELETE.equals(l.get(LIFECYCLE_STATE_LABEL)));
    }
  }

  /** The GameServerSet fields the step reads. {@code annotations} may be null (no annotations at all). */
  public record Gss(int replicas, List<IntOrString> reserveGameServerIds, Map<String, String> annotations,
      String scaleDownStrategyType) {}

  /** The Advanced StatefulSet fields the step reads and writes. */
  public record Asts(int replicas, List<IntOrString> reserveOrdinals) {}

  /** {@code computeToScaleGs}'s two results. */
  public record Computed(Set<Integer> workloadManageIds, Set<Integer> newReserveIds) {}

  /**
   * What {@code GameServerScale} writes. {@code asts} is the workload as updated. {@code
   * annotationPatch} is the new value of the reserve-ids annotation, or null when it is not patched;
   * {@code patchSpecReserve} says whether {@code spec.reserveGameServerIds} is patched, to {@code
   * specReservePatch} (null means JSON null in OKG's merge patch: the field is removed).
   */
  public record Scale(Asts asts, Computed computed, String annotationPatch, boolean patchSpecReserve,
      List<IntOrString> specReservePatch) {
    public boolean patchesGss() {
      return annotationPatch != null || patchSpecReserve;
    }
  }

  // ---- gameserverset_manager.go ----

  /**
   * {@code GetReplicasAfterKilling}: when the set, the workload and the pod count agree and no pod
   * is terminating, the replicas minus the pods labelled opsState Kill; otherwise the set's replicas.
   */
  public static int getReplicasAfterKilling(Gss gss, Asts asts, List<PodView> podList) {
    if (gss.replicas() != asts.replicas() || gss.replicas() != podList.size()) return gss.replicas();
    int toKill = 0;
    for (PodView pod : podList) {
      if (pod.terminating()) return gss.replicas();
      if (KILL.equals(pod.opsState())) toKill++;
    }
    return gss.replicas() - toKill;
  }

  /** {@code IsNeedToScale}: replicas differ from the workload's, or the annotation's set from the spec's. */
  public static boolean isNeedToScale(Gss gss, Asts asts) {
    Set<Integer> gssSpecReserveIds = getReserveOrdinalIntSet(gss.reserveGameServerIds());
    return gss.replicas() != asts.replicas()
        || !stringToOrdinalIntSet(annotation(gss), ",").equals(gssSpecReserveIds);
  }

  /** {@code GameServerScale} without its I/O: the workload update and the GameServerSet patch it sends. */
  public static Scale gameServerScale(Gss gss, Asts asts, List<PodView> podList) {
    int expectedReplicas = gss.replicas();
    Set<Integer> astsSpecReservedOrdinals = getReserveOrdinalIntSet(asts.reserveOrdinals());
    Set<Integer> gssAnnotationsReservedIds = getReserveOrdinalIntSet(stringToIntStrSlice(annotation(gss), ","));
    Set<Integer> astsImplicitReservedIds = getSetInANotInB(astsSpecReservedOrdinals, gssAnnotationsReservedIds);
    Set<Integer> gssSpecReservedIds = getReserveOrdinalIntSet(gss.reserveGameServerIds());

    Computed computed = computeToScaleGs(gssSpecReservedIds, gssAnnotationsReservedIds, astsImplicitReservedIds,
        expectedReplicas, podList);
    Asts newAsts = new Asts(gss.replicas(), ordinalSetToIntStrSlice(computed.newReserveIds()));

    Set<Integer> origGssSpecReservedIds = new TreeSet<>(gssSpecReservedIds);
    boolean reserveIds = RESERVE_IDS_STRATEGY.equals(gss.scaleDownStrategyType());
    if (reserveIds) gssSpecReservedIds = computed.newReserveIds();

    String annotationPatch = null;
    String newGssAnnotationReservedIdsStr = ordinalSetToString(gssSpecReservedIds);
    // a nil map also gets the annotation, even an empty one
    if (gss.annotations() == null || !newGssAnnotationReservedIdsStr.equals(annotation(gss))) {
      annotationPatch = newGssAnnotationReservedIdsStr;
    }
    boolean patchSpec = reserveIds && !origGssSpecReservedIds.equals(gssSpecReservedIds);
    return new Scale(newAsts, computed, annotationPatch, patchSpec,
        patchSpec ? ordinalSetToIntStrSlice(gssSpecReservedIds) : null);
  }

  /**
   * {@code computeToScaleGs}: which IDs the workload should run and what it should reserve.
   *
   * @param gssSpecReservedIds the newest explicit list
   * @param gssAnnotationsReservedIds the previous explicit list
   * @param astsImplicitReservedIds the implicit list
   * @param pods the pods of the set now
   */
  public static Computed computeToScaleGs(Set<Integer> gssSpecReservedIds, Set<Integer> gssAnnotationsReservedIds,
      Set<Integer> astsImplicitReservedIds, int expectedReplicas, List<PodView> pods) {
    // 1. Get newest implicit list & explicit.
    Set<Integer> newAddExplicit = getSetInANotInB(gssSpecReservedIds, gssAnnotationsReservedIds);
    Set<Integer> newDeleteExplicit = getSetInANotInB(gssAnnotationsReservedIds, gssSpecReservedIds);
    Set<Integer> newImplicit = getSetInANotInB(astsImplicitReservedIds, newAddExplicit);
    newImplicit.addAll(newDeleteExplicit);
    Set<Integer> newExplicit = gssSpecReservedIds;

    // 2. Remove the pods ids is in newExplicit.
    Set<Integer> workloadManageIds = new TreeSet<>();
    List<PodView> newPods = new ArrayList<>();
    Set<Integer> preDeletingPodIds = new TreeSet<>();
    for (PodView pod : pods) {
      int index = pod.id();
      if (pod.terminating()) continue;
      if (pod.preparingDelete()) {
        preDeletingPodIds.add(index);
        continue;
      }
      if (newExplicit.contains(index)) continue;
      workloadManageIds.add(index);
      newPods.add(pod);
    }

    // 3. Continue to delete or add pods based on the current and expected number of pods.
    int existReplicas = workloadManageIds.size();
    if (existReplicas < expectedReplicas) {
      int num = 0;
      List<Integer> toAdd = new ArrayList<>();
      for (int i = 0; num < expectedReplicas - existReplicas; i++) {
        if (workloadManageIds.contains(i) || newExplicit.contains(i) || preDeletingPodIds.contains(i)) continue;
        newImplicit.remove(i);
        toAdd.add(i);
        num++;
      }
      workloadManageIds.addAll(toAdd);
    } else if (existReplicas > expectedReplicas) {
      List<PodView> sortedGs = deleteSequenceGs(newPods);
      Set<Integer> toDelete = new TreeSet<>();
      for (PodView pod : sortedGs.subList(0, existReplicas - expectedReplicas)) toDelete.add(pod.id());
      workloadManageIds = getSetInANotInB(workloadManageIds, toDelete);
      newImplicit.addAll(toDelete);
    }

    Set<Integer> newReserveIds = new TreeSet<>(newImplicit);
    newReserveIds.addAll(newExplicit);
    return new Computed(workloadManageIds, newReserveIds);
  }

  private static String annotation(Gss gss) {
    if (gss.annotations() == null) return "";
    String value = gss.annotations().get(RESERVE_IDS_ANNOTATION);
    return value == null ? "" : value;
  }

  // ---- util/gameserver.go ----

  /**
   * {@code sort.Sort(DeleteSequenceGs(pods))}: Kill first, then WaitToBeDeleted, None (and any
   * unknown state), Allocated, Maintaining; then the higher deletion priority; then the higher index.
   * Go sorts up to 12 elements by this very insertion sort; for more it uses pdqsort, which orders
   * the same whenever {@link #deleteSequenceLess} is a strict weak order (always, unless two
   * priority labels spell the same number differently, like "01" and "1").
   */
  public static List<PodView> deleteSequenceGs(List<PodView> pods) {
    List<PodView> data = new ArrayList<>(pods);
    for (int i = 1; i < data.size(); i++) {
      for (int j = i; j > 0 && deleteSequenceLess(data.get(j), data.get(j - 1)); j--) {
        PodView t = data.get(j);
        data.set(j, data.get(j - 1));
        data.set(j - 1, t);
      }
    }
    return data;
  }

  /** {@code DeleteSequenceGs.Less}. */
  static boolean deleteSequenceLess(PodView i, PodView j) {
    int iOps = opsStateDeletePriority(i.opsState());
    int jOps = opsStateDeletePriority(j.opsState());
    if (iOps != jOps) return iOps > jOps;
    if (!i.deletionPriority().equals(j.deletionPriority())) {
      return atoiOrZero(i.deletionPriority()) > atoiOrZero(j.deletionPriority());
    }
    return i.id() > j.id();
  }

  /** {@code opsStateDeletePrority}. */
  static int opsStateDeletePriority(String opsState) {
    return switch (opsState) {
      case KILL -> 100;
      case WAIT_TO_BE_DELETED -> 1;
      case NONE -> 0;
      case ALLOCATED -> -1;
      case MAINTAINING -> -2;
      default -> 0;
    };
  }

  /** {@code GetIndexFromGsName}: the number after the last dash; 0 when it is not one. */
  public static int getIndexFromGsName(String gsName) {
    String[] parts = gsName.split("-", -1);
    return (int) atoiOrZero(parts[parts.length - 1]);
  }

  // ---- util/set.go and util/slice.go: reserve ID formats ----

  /** {@code ParseRange}: "a-b" with a ≤ b, spaces around the numbers allowed; null when malformed. */
  public static int[] parseRange(String s) {
    String[] split = s.split("-", -1);
    if (split.length != 2) return null;
    Long start = atoi(split[0].trim());
    Long end = atoi(split[1].trim());
    if (start == null || end == null || start > end) return null;
    return new int[] {start.intValue(), end.intValue()};
  }

  /**
   * {@code GetReserveOrdinalIntSet}: ints as they are, strings as "a-b" ranges. One malformed string
   * (including a plain number written as a string, like "5") drops the whole list: OKG logs it and
   * carries on as if nothing were reserved.
   */
  public static Set<Integer> getReserveOrdinalIntSet(List<IntOrString> r) {
    Set<Integer> values = new TreeSet<>();
    if (r == null) return values;
    for (IntOrString elem : r) {
      if (elem.getIntVal() != null) {
        values.add(elem.getIntVal());
      } else {
        int[] range = parseRange(elem.getStrVal() == null ? "" : elem.getStrVal());
        if (range == null) return new TreeSet<>();
        for (int i = range[0]; i <= range[1]; i++) values.add(i);
      }
    }
    return values;
  }

  /**
   * {@code StringToOrdinalIntSet}: "1-3,5" to {1,2,3,5}, skipping malformed entries one by one
   * (unlike {@link #getReserveOrdinalIntSet}). OKG uses it only in {@code IsNeedToScale}.
   */
  public static Set<Integer> stringToOrdinalIntSet(String str, String delimiter) {
    Set<Integer> ret = new TreeSet<>();
    if (str == null || str.isEmpty()) return ret;
    for (String s : split(str, delimiter)) {
      if (s.contains("-")) {
        int[] range = parseRange(s);
        if (range == null) continue;
        for (int i = range[0]; i <= range[1]; i++) ret.add(i);
      } else {
        Long num = atoi(s.trim());
        if (num != null) ret.add(num.intValue());
      }
    }
    return ret;
  }

  /**
   * {@code StringToIntStrSlice}: what parses as a number (untrimmed) becomes an int, anything else a
   * trimmed string; empty entries are skipped.
   */
  public static List<IntOrString> stringToIntStrSlice(String str, String delimiter) {
    if (str == null || str.isEmpty() || delimiter == null || delimiter.isEmpty()) return null;
    List<IntOrString> ret = new ArrayList<>();
    for (String item : split(str, delimiter)) {
      if (item.isEmpty()) continue;
      Long val = atoi(item);
      ret.add(val == null ? new IntOrString(item.trim()) : new IntOrString(val.intValue()));
    }
    return ret.isEmpty() ? null : ret;
  }

  /**
   * {@code OrdinalSetToIntStrSlice}: runs of three or more become "a-b" strings, shorter runs stay
   * ints: {1,2,5,6,7,10} to [1, 2, "5-7", 10]. Null for an empty set (Go's nil slice).
   */
  public static List<IntOrString> ordinalSetToIntStrSlice(Collection<Integer> s) {
    if (s == null || s.isEmpty()) return null;
    List<Integer> ordinals = new ArrayList<>(new TreeSet<>(s));
    List<IntOrString> ret = new ArrayList<>();
    int start = ordinals.get(0);
    int end = start;
    for (int i = 1; i < ordinals.size(); i++) {
      int curr = ordinals.get(i);
      if (curr == end + 1) {
        end = curr;
      } else {
        appendSequence(ret, start, end);
        start = curr;
        end = curr;
      }
    }
    appendSequence(ret, start, end);
    return ret;
  }

  private static void appendSequence(List<IntOrString> ret, int start, int end) {
    if (start == end) {
      ret.add(new IntOrString(start));
    } else if (end - start == 1) {
      ret.add(new IntOrString(start));
      ret.add(new IntOrString(end));
    } else {
      ret.add(new IntOrString(start + "-" + end));
    }
  }

  /** {@code OrdinalSetToString}: the annotation's format, {1,2,5,6,7,10} to "1,2,5-7,10". */
  public static String ordinalSetToString(Collection<Integer> s) {
    return intSetToString(s, ",");
  }

  /** {@code intSetToString}. */
  public static String intSetToString(Collection<Integer> s, String delimiter) {
    List<IntOrString> ss = ordinalSetToIntStrSlice(s);
    if (ss == null) return "";
    List<String> ret = new ArrayList<>();
    for (IntOrString elem : ss) ret.add(elem.getIntVal() != null ? Integer.toString(elem.getIntVal()) : elem.getStrVal());
    return String.join(delimiter, ret);
  }

  /** {@code GetSetInANotInB}. */
  public static Set<Integer> getSetInANotInB(Set<Integer> a, Set<Integer> b) {
    Set<Integer> ret = new TreeSet<>(a);
    ret.removeAll(b);
    return ret;
  }

  // ---- the Advanced StatefulSet (openkruise/kruise pkg/controller/statefulset) ----

  /**
   * The ordinals the workload keeps pods at ({@code getStatefulSetReplicasRange}, start ordinal 0):
   * the lowest {@code replicas} ordinals that are not reserved. Pods at other ordinals are condemned.
   */
  public static Set<Integer> workloadOrdinals(Asts asts) {
    Set<Integer> reserve = getReserveOrdinalIntSet(asts.reserveOrdinals());
    Set<Integer> ordinals = new TreeSet<>();
    for (int ordinal = 0; ordinals.size() < asts.replicas(); ordinal++) {
      if (!reserve.contains(ordinal)) ordinals.add(ordinal);
    }
    return ordinals;
  }

  // ---- Go's strconv.Atoi and strings.Split ----

  /** {@code strconv.Atoi}: an optional sign and decimal digits, nothing else; null on error. */
  static Long atoi(String s) {
    if (s.isEmpty()) return null;
    int i = s.charAt(0) == '+' || s.charAt(0) == '-' ? 1 : 0;
    if (i == s.length()) return null;
    for (int k = i; k < s.length(); k++) if (s.charAt(k) < '0' || s.charAt(k) > '9') return null;
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static long atoiOrZero(String s) {
    Long v = atoi(s);
    return v == null ? 0 : v;
  }

  /** {@code strings.Split}: literal separator, empty pieces kept. */
  private static List<String> split(String s, String sep) {
    List<String> parts = new ArrayList<>();
    int from = 0;
    for (int at = s.indexOf(sep); at >= 0; at = s.indexOf(sep, from)) {
      parts.add(s.substring(from, at));
      from = at + sep.length();
    }
    parts.add(s.substring(from));
    return parts;
  }
}
