package dev.aigc.operator.render;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aigc.operator.okg.GameServerSet;
import dev.aigc.operator.okg.GameServerSetSpec;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compares a rendered GameServerSet with the one in the cluster and merges the two for an update.
 *
 * <p>OKG writes {@code spec.reserveGameServerIds} back with IDs it keeps reserved on its own (IDs
 * that left our list). Extra reserved IDs are harmless as long as none of them should run, so they
 * do not count as drift: otherwise the operator and OKG would rewrite the list forever.
 */
public final class GameServerSetUpdate {
  private static final ObjectMapper JSON = Serialization.jsonMapper();
  /** Hash of every field we render except replicas and reserve IDs, to notice removed fields too. */
  public static final String SPEC_HASH = "aigc.dev/spec-hash";
  private static final String LEGACY_ID_RECORD = "aigc.dev/instance-ids";

  private GameServerSetUpdate() {}

  /** Stamps the desired object with the hash of its pod template and settings. */
  public static GameServerSet withHash(GameServerSet desired) {
    desired.getMetadata().getAnnotations().put(SPEC_HASH, hashOf(desired.getSpec()));
    return desired;
  }

  public static boolean needsUpdate(GameServerSet desired, GameServerSet current) {
    if (current == null) return true;
    var cur = current.getSpec();
    var want = desired.getSpec();
    if (cur == null || !Objects.equals(want.getReplicas(), cur.getReplicas())) return true;
    if (!reserveAcceptable(desired, current)) return true;
    if (!ObjectDrift.metadataPresent(desired, current)) return true;
    // someone edited a field we own without changing what we render: the hash alone would miss it
    return !ObjectDrift.isSubset(JSON.valueToTree(withoutScale(want)), JSON.valueToTree(withoutScale(cur)));
  }

  /** The current object with everything we render written over it; what others wrote stays. */
  public static GameServerSet merge(GameServerSet desired, GameServerSet current) {
    GameServerSet merged = JSON.convertValue(current, GameServerSet.class);
    ObjectDrift.mergeMetadata(desired, merged);
    // the ID record of version 0.1, now on the disks
    if (merged.getMetadata().getAnnotations() != null) merged.getMetadata().getAnnotations().remove(LEGACY_ID_RECORD);
    GameServerSetSpec spec = merged.getSpec() == null ? new GameServerSetSpec() : merged.getSpec();
    GameServerSetSpec want = desired.getSpec();
    spec.setReplicas(want.getReplicas());
    spec.setReserveGameServerIds(want.getReserveGameServerIds());
    spec.setScaleStrategy(want.getScaleStrategy());
    spec.setUpdateStrategy(want.getUpdateStrategy());
    spec.setPersistentVolumeClaimRetentionPolicy(want.getPersistentVolumeClaimRetentionPolicy());
    spec.setGameServerTemplate(want.getGameServerTemplate());
    spec.setNetwork(want.getNetwork());
    merged.setSpec(spec);
    return merged;
  }

  /**
   * Only replicas and reserve IDs written over the current object: what an invalid template still
   * needs (stops, starts and deletions go on) while its pod template stays as it was (invariant 9).
   */
  public static GameServerSet mergeScale(Allocation allocation, GameServerSet current) {
    GameServerSet merged = JSON.convertValue(current, GameServerSet.class);
    merged.getSpec().setReplicas(allocation.replicas());
    merged.getSpec().setReserveGameServerIds(allocation.reserveIds().stream().map(IntOrString::new).toList());
    return merged;
  }

  /** Whether {@link #mergeScale} would change anything. */
  public static boolean needsScale(Allocation allocation, GameServerSet current) {
    GameServerSet desired = mergeScale(allocation, current);
    return !java.util.Objects.equals(current.getSpec().getReplicas(), desired.getSpec().getReplicas())
        || !reserveAcceptable(desired, current);
  }

  /**
   * Whether an update of a GameServerSet can change what the template reconciler must write.
   * OKG's own write-back (IDs added to the reserve list, its reserve-ids annotation, status) cannot:
   * the reconciler accepts extra reserved IDs anyway, and reacting to each write-back doubled the
   * reconciles of a burst. Everything else can: replicas (OKG's Kill path lowers them), a
   * reservation taken away, any other spec field, our labels and annotations, owners, deletion.
   */
  public static boolean changedBeyondWriteBack(GameServerSet old, GameServerSet updated) {
    if (old.getSpec() == null || updated.getSpec() == null) return true;
    if (!Objects.equals(old.getSpec().getReplicas(), updated.getSpec().getReplicas())) return true;
    if (!reservedIds(updated).containsAll(reservedIds(old))) return true;
    if (!JSON.valueToTree(withoutScale(old.getSpec())).equals(JSON.valueToTree(withoutScale(updated.getSpec())))) return true;
    var o = old.getMetadata();
    var n = updated.getMetadata();
    return !Objects.equals(o.getLabels(), n.getLabels())
        || !Objects.equals(withoutOkgRecord(o.getAnnotations()), withoutOkgRecord(n.getAnnotations()))
        || !Objects.equals(o.getOwnerReferences(), n.getOwnerReferences())
        || !Objects.equals(o.getDeletionTimestamp(), n.getDeletionTimestamp());
  }

  private static java.util.Map<String, String> withoutOkgRecord(java.util.Map<String, String> annotations) {
    if (annotations == null) return java.util.Map.of();
    java.util.Map<String, String> copy = new java.util.HashMap<>(annotations);
    copy.remove(GameServerSet.RESERVE_IDS_ANNOTATION);
    return copy;
  }

  /** The IDs a GameServerSet reserves, with OKG's "a-b" ranges expanded. */
  public static Set<Integer> reservedIds(GameServerSet gss) {
    Set<Integer> ids = new TreeSet<>();
    if (gss == null || gss.getSpec() == null || gss.getSpec().getReserveGameServerIds() == null) return ids;
    for (IntOrString value : gss.getSpec().getReserveGameServerIds()) {
      if (value.getIntVal() != null) {
        ids.add(value.getIntVal());
      } else if (value.getStrVal() != null) {
        String text = value.getStrVal().trim();
        int dash = text.indexOf('-', 1);
        if (dash < 0) {
          ids.add(Integer.parseInt(text));
        } else {
          int from = Integer.parseInt(text.substring(0, dash).trim());
          int to = Integer.parseInt(text.substring(dash + 1).trim());
          for (int id = from; id <= to; id++) ids.add(id);
        }
      }
    }
    return ids;
  }

  /** Every ID we reserve is reserved, and nothing reserved should run. */
  static boolean reserveAcceptable(GameServerSet desired, GameServerSet current) {
    Set<Integer> want = reservedIds(desired);
    Set<Integer> have = reservedIds(current);
    if (!have.containsAll(want)) return false;
    int replicas = desired.getSpec().getReplicas();
    // the IDs that should run are exactly the ones neither reserved by us nor above the highest
    // reserved one, so an extra reserved ID is harmful only if it falls among those
    Set<Integer> running = runningIds(want, replicas);
    for (Integer id : have) if (running.contains(id)) return false;
    return true;
  }

  /**
   * Whether writing {@code desired} over {@code current} only starts more IDs: the same pod template
   * and settings, and every ID the current set runs still to run. Such a write may wait a moment to
   * take more installs with it; one that stops an ID or changes a pod may not: a stop held back and
   * undone by a start within the moment would leave the old pod running (no new version for
   * OnRestart), and a quota decision made meanwhile would count an ID as stopped that still runs.
   */
  public static boolean onlyStartsMore(GameServerSet desired, GameServerSet current) {
    if (current == null || current.getSpec() == null || current.getSpec().getReplicas() == null) return false;
    GameServerSet atCurrentScale = JSON.convertValue(desired, GameServerSet.class);
    atCurrentScale.getSpec().setReplicas(current.getSpec().getReplicas());
    atCurrentScale.getSpec().setReserveGameServerIds(current.getSpec().getReserveGameServerIds());
    if (needsUpdate(atCurrentScale, current)) return false;
    Set<Integer> now = runningIds(reservedIds(current), current.getSpec().getReplicas());
    Set<Integer> next = runningIds(reservedIds(desired), desired.getSpec().getReplicas());
    return next.size() > now.size() && next.containsAll(now);
  }

  /** OKG's fill rule: the lowest {@code replicas} IDs that are not reserved. */
  public static Set<Integer> runningIds(Set<Integer> reserved, int replicas) {
    Set<Integer> running = new TreeSet<>();
    for (int id = 0; running.size() < replicas; id++) if (!reserved.contains(id)) running.add(id);
    return running;
  }


  private static GameServerSetSpec withoutScale(GameServerSetSpec spec) {
    GameServerSetSpec copy = JSON.convertValue(spec, GameServerSetSpec.class);
    copy.setReplicas(null);
    copy.setReserveGameServerIds(null);
    return copy;
  }

  static String hashOf(GameServerSetSpec spec) {
    try {
      byte[] json = JSON.writeValueAsBytes(JSON.valueToTree(withoutScale(spec)));
      var digest = java.security.MessageDigest.getInstance("SHA-256").digest(json);
      return java.util.HexFormat.of().formatHex(digest, 0, 8);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }


}
