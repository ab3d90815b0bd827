package dev.aigc.operator.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aigc.operator.okg.GameServerTemplate;
import dev.aigc.operator.okg.UpdateStrategy;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The revisions of one Advanced StatefulSet as OKG drives it (DESIGN section 4, "Template updates"):
 * each distinct pod template is a revision; {@code update} is the newest, {@code current} the last
 * one every pod ran. OKG turns a GameServerSet's updateStrategy into the workload's: with
 * {@code rollingUpdate} set it is always an unordered RollingUpdate (partition = pods kept on an
 * older revision), without it the set's {@code type}, e.g. OnDelete (running pods untouched). A new
 * pod gets the update revision, except under a partition above zero, when it comes back on the
 * current one while fewer than {@code partition} other pods are on an older revision (Kruise's
 * isCurrentRevisionNeeded for unordered updates): the trap the operator must avoid.
 */
public final class AstsRevisions {
  static final String REVISION_LABEL = "controller-revision-hash";

  /** A pod as the update step sees it. */
  record PodRevision(int ordinal, String revision, boolean available, boolean terminating) {}

  /** The workload's update strategy, resolved as OKG resolves it. */
  record Strategy(boolean rolling, int partition, boolean paused, String maxUnavailable, String podUpdatePolicy) {
    static Strategy of(UpdateStrategy strategy) {
      if (strategy == null || strategy.getRollingUpdate() == null) {
        boolean onDelete = strategy != null && UpdateStrategy.ON_DELETE.equals(strategy.getType());
        return new Strategy(!onDelete, 0, false, "1", "ReCreate");
      }
      UpdateStrategy.RollingUpdate rolling = strategy.getRollingUpdate();
      IntOrString max = rolling.getMaxUnavailable();
      return new Strategy(true, rolling.getPartition() == null ? 0 : rolling.getPartition(),
          Boolean.TRUE.equals(rolling.getPaused()), max == null ? "1" : max.getStrVal() != null ? max.getStrVal() : max.getIntVal().toString(),
          rolling.getPodUpdatePolicy() == null ? "ReCreate" : rolling.getPodUpdatePolicy());
    }

    int maxUnavailable(int replicas) {
      int value = maxUnavailable.endsWith("%")
          ? replicas * Integer.parseInt(maxUnavailable.substring(0, maxUnavailable.length() - 1)) / 100
          : Integer.parseInt(maxUnavailable);
      return Math.max(1, value);
    }
  }

  /** What the update step does to one pod. */
  record Update(int ordinal, boolean inPlace) {}

  private final String setName;
  private final Map<String, GameServerTemplate> templates = new HashMap<>();
  private String current;
  private String update;
  /** Update steps finished since the update revision last changed, so a test knows one has run. */
  private int stepsOnUpdate;

  AstsRevisions(String setName) {
    this.setName = setName;
  }

  /** Records the set's pod template; a new one becomes the update revision. */
  synchronized void observe(GameServerTemplate template) {
    String revision = revisionOf(template);
    templates.putIfAbsent(revision, Serialization.clone(template));
    if (!revision.equals(update)) stepsOnUpdate = 0;
    update = revision;
    if (current == null) current = revision;
  }

  synchronized String update() {
    return update;
  }

  synchronized String current() {
    return current;
  }

  synchronized GameServerTemplate template(String revision) {
    return templates.get(revision);
  }

  /** The revision a pod created now at {@code ordinal} gets, given the other pods. */
  synchronized String forNewPod(int ordinal, List<PodRevision> others, Strategy strategy) {
    if (!strategy.rolling() || strategy.partition() <= 0) return update;
    long older = others.stream().filter(p -> p.ordinal() != ordinal && !update.equals(p.revision())).count();
    return older < strategy.partition() ? current : update;
  }

  /**
   * The pods to move to the update revision now: none under OnDelete or while paused; otherwise
   * the ones on older revisions beyond the partition, as many as maxUnavailable leaves room for.
   */
  synchronized List<Update> updates(List<PodRevision> pods, int replicas, Strategy strategy) {
    List<Update> out = new ArrayList<>();
    if (!strategy.rolling() || strategy.paused()) return out;
    List<PodRevision> older = pods.stream().filter(p -> !p.terminating() && !update.equals(p.revision()))
        .sorted(java.util.Comparator.comparingInt(PodRevision::ordinal)).toList();
    int toUpdate = older.size() - strategy.partition();
    long unavailable = pods.stream().filter(p -> p.terminating() || !p.available()).count();
    int room = (int) Math.max(0, strategy.maxUnavailable(replicas) - unavailable);
    for (PodRevision pod : older) {
      if (out.size() >= toUpdate) break;
      boolean inPlace = !"ReCreate".equals(strategy.podUpdatePolicy()) && onlyImageOrMetadataDiffer(pod.revision());
      if (!inPlace && "InPlaceOnly".equals(strategy.podUpdatePolicy())) continue;
      // an in-place update keeps the pod up; a re-creation makes it unavailable
      if (!inPlace && out.stream().filter(u -> !u.inPlace()).count() >= room) continue;
      out.add(new Update(pod.ordinal(), inPlace));
    }
    return out;
  }

  /** Once every pod runs the update revision, it is also the current one. */
  synchronized void rolledOut(List<PodRevision> pods, int replicas) {
    long updated = pods.stream().filter(p -> !p.terminating() && update.equals(p.revision())).count();
    if (updated >= replicas) current = update;
    stepsOnUpdate++;
  }

  /** The revisions as a test sees them. */
  synchronized State state() {
    return new State(current, update, stepsOnUpdate);
  }

  /** @param stepsOnUpdate update steps run since {@code update} became the update revision */
  public record State(String current, String update, int stepsOnUpdate) {}

  /** The label value OKG's workload puts on pods: {@code <set>-<hash>}. */
  String label(String revision) {
    return setName + "-" + revision;
  }

  /** The revision named by a pod's label, or null. */
  String ofLabel(String label) {
    return label == null || !label.startsWith(setName + "-") ? null : label.substring(setName.length() + 1);
  }

  private boolean onlyImageOrMetadataDiffer(String revision) {
    GameServerTemplate old = templates.get(revision);
    GameServerTemplate now = templates.get(update);
    if (old == null || now == null) return false;
    return withoutImagesAndMetadata(old).equals(withoutImagesAndMetadata(now));
  }

  private static JsonNode withoutImagesAndMetadata(GameServerTemplate template) {
    ObjectNode spec = Serialization.jsonMapper().valueToTree(template.getSpec());
    for (JsonNode container : spec.path("containers")) ((ObjectNode) container).remove("image");
    return spec;
  }

  /** Revisions hold only the pod template (metadata and spec), not the claim templates. */
  static String revisionOf(GameServerTemplate template) {
    ObjectNode pod = Serialization.jsonMapper().createObjectNode();
    pod.set("metadata", Serialization.jsonMapper().valueToTree(template.getMetadata()));
    pod.set("spec", Serialization.jsonMapper().valueToTree(template.getSpec()));
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(Serialization.jsonMapper().writeValueAsBytes(pod));
      return java.util.HexFormat.of().formatHex(digest, 0, 5);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
