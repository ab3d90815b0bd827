package dev.aigc.operator.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aigc.operator.okg.GameServerSet;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class GameServerSetUpdateTest {
  private static GameServerSet desired(List<Integer> running, List<Integer> held) {
    Allocation a = Allocation.of(new TreeSet<>(running), new TreeSet<>(held));
    return GameServerSetRenderer.render(GameServerSetRendererTest.example("stable-diffusion-cpu"), a, GameServerSetRendererTest.SETTINGS);
  }

  private static GameServerSet copy(GameServerSet gss) {
    GameServerSet c = Serialization.clone(gss);
    c.getMetadata().setResourceVersion("7");
    return c;
  }

  @Test
  void nothingToWriteWhenTheClusterHasWhatWeRender() {
    GameServerSet want = desired(List.of(0, 2), List.of(1));
    assertThat(GameServerSetUpdate.needsUpdate(want, copy(want))).isFalse();
  }

  @Test
  void startingMoreIdsWithTheSamePodsIsGrowthAndAnythingElseIsNot() {
    GameServerSet have = copy(desired(List.of(0, 2), List.of(1)));
    assertThat(GameServerSetUpdate.onlyStartsMore(desired(List.of(0, 2, 3), List.of(1)), have)).as("a new ID above").isTrue();
    assertThat(GameServerSetUpdate.onlyStartsMore(desired(List.of(0, 1, 2), List.of()), have)).as("a held ID starting again").isTrue();
    assertThat(GameServerSetUpdate.onlyStartsMore(desired(List.of(0, 3), List.of(1, 2)), have)).as("one stops, one starts").isFalse();
    assertThat(GameServerSetUpdate.onlyStartsMore(desired(List.of(0), List.of(1, 2)), have)).as("a stop").isFalse();
    assertThat(GameServerSetUpdate.onlyStartsMore(desired(List.of(0, 2), List.of(1)), have)).as("no change").isFalse();
    GameServerSet newImage = desired(List.of(0, 2, 3), List.of(1));
    newImage.getSpec().getGameServerTemplate().getSpec().getContainers().get(0).setImage("sd:2");
    assertThat(GameServerSetUpdate.onlyStartsMore(newImage, have)).as("a new pod template").isFalse();
    assertThat(GameServerSetUpdate.onlyStartsMore(desired(List.of(0), List.of()), null)).as("no set yet").isFalse();
  }

  @Test
  void okgsExtraReservedIdsAreNotDrift() {
    GameServerSet want = desired(List.of(0), List.of());
    GameServerSet have = copy(want);
    have.getSpec().setReserveGameServerIds(List.of(new IntOrString(1), new IntOrString("3-4")));
    assertThat(GameServerSetUpdate.needsUpdate(want, have)).isFalse();
  }

  @Test
  void aReservedIdThatShouldRunIsDrift() {
    GameServerSet want = desired(List.of(0, 1), List.of());
    GameServerSet have = copy(want);
    have.getSpec().setReserveGameServerIds(List.of(new IntOrString(1)));
    assertThat(GameServerSetUpdate.needsUpdate(want, have)).isTrue();
  }

  @Test
  void aMissingReservedIdOrOtherReplicasIsDrift() {
    GameServerSet want = desired(List.of(0, 2), List.of(1));
    GameServerSet noReserve = copy(want);
    noReserve.getSpec().setReserveGameServerIds(List.of());
    assertThat(GameServerSetUpdate.needsUpdate(want, noReserve)).isTrue();
    GameServerSet otherReplicas = copy(want);
    otherReplicas.getSpec().setReplicas(3);
    assertThat(GameServerSetUpdate.needsUpdate(want, otherReplicas)).isTrue();
  }

  @Test
  void aHandEditedPodTemplateOrARemovedFieldIsDrift() {
    GameServerSet want = desired(List.of(0), List.of());
    GameServerSet edited = copy(want);
    edited.getSpec().getGameServerTemplate().getSpec().getContainers().get(0).setImage("other:latest");
    assertThat(GameServerSetUpdate.needsUpdate(want, edited)).isTrue();

    GameServerSet withSelector = copy(want);
    withSelector.getSpec().getGameServerTemplate().getSpec().setNodeSelector(Map.of("gpu", "t4"));
    withSelector.getMetadata().getAnnotations().put(GameServerSetUpdate.SPEC_HASH, "from-an-older-template");
    assertThat(GameServerSetUpdate.needsUpdate(want, withSelector)).as("the hash tells a removed field").isTrue();
  }

  @Test
  void mergeKeepsWhatOthersWroteAndReplacesWhatWeOwn() {
    GameServerSet want = desired(List.of(0), List.of(1));
    GameServerSet have = copy(desired(List.of(), List.of()));
    Map<String, String> annotations = new LinkedHashMap<>(have.getMetadata().getAnnotations());
    annotations.put(GameServerSet.RESERVE_IDS_ANNOTATION, "1");
    have.getMetadata().setAnnotations(annotations);
    have.getSpec().setUnmodelled("serviceQualities", new ArrayList<>(List.of(Map.of("name", "healthy"))));

    GameServerSet merged = GameServerSetUpdate.merge(want, have);

    assertThat(merged.getMetadata().getAnnotations()).containsEntry(GameServerSet.RESERVE_IDS_ANNOTATION, "1");
    assertThat(merged.getMetadata().getResourceVersion()).isEqualTo("7");
    assertThat(merged.getSpec().getUnmodelled()).containsKey("serviceQualities");
    assertThat(merged.getSpec().getReplicas()).isEqualTo(1);
    assertThat(GameServerSetUpdate.reservedIds(merged)).containsExactly(1);
    assertThat(GameServerSetUpdate.needsUpdate(want, merged)).isFalse();
  }

  @Test
  void reserveRangesAreExpanded() {
    GameServerSet gss = desired(List.of(), List.of());
    gss.getSpec().setReserveGameServerIds(List.of(new IntOrString(0), new IntOrString("2-4"), new IntOrString("7")));
    assertThat(GameServerSetUpdate.reservedIds(gss)).containsExactly(0, 2, 3, 4, 7);
  }

  @Test
  void anInvalidTemplatesSetGetsOnlyReplicasAndReserveIds() {
    GameServerSet current = copy(desired(List.of(0, 1), List.of()));
    current.getSpec().getGameServerTemplate().getSpec().getContainers().get(0).setImage("kept:1");
    Allocation stopOne = Allocation.of(new TreeSet<>(List.of(0)), new TreeSet<>(List.of(1)));

    assertThat(GameServerSetUpdate.needsScale(stopOne, current)).isTrue();
    GameServerSet merged = GameServerSetUpdate.mergeScale(stopOne, current);
    assertThat(merged.getSpec().getReplicas()).isEqualTo(1);
    assertThat(GameServerSetUpdate.reservedIds(merged)).containsExactly(1);
    assertThat(merged.getSpec().getGameServerTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("kept:1");
    assertThat(GameServerSetUpdate.needsScale(stopOne, merged)).isFalse();
  }

  @Test
  void theRecordOfVersionZeroOneIsDroppedOnTheNextWrite() {
    GameServerSet current = copy(desired(List.of(0), List.of()));
    current.getMetadata().getAnnotations().put("aigc.dev/instance-ids", "{\"alice-sd\":0}");
    GameServerSet merged = GameServerSetUpdate.merge(desired(List.of(0, 1), List.of()), current);
    assertThat(merged.getMetadata().getAnnotations()).doesNotContainKey("aigc.dev/instance-ids");
  }

  @Test
  void okgsWriteBackIsNoReasonToReconcileButAnythingElseIs() {
    GameServerSet before = copy(desired(List.of(0, 1), List.of(2)));
    GameServerSet writeBack = Serialization.clone(before);
    writeBack.getSpec().setReserveGameServerIds(List.of(new IntOrString(2), new IntOrString("3-5")));
    writeBack.getMetadata().getAnnotations().put(GameServerSet.RESERVE_IDS_ANNOTATION, "2,3-5");
    assertThat(GameServerSetUpdate.changedBeyondWriteBack(before, writeBack)).isFalse();

    GameServerSet killed = Serialization.clone(before);
    killed.getSpec().setReplicas(1);
    assertThat(GameServerSetUpdate.changedBeyondWriteBack(before, killed)).as("OKG's Kill path").isTrue();
    GameServerSet unreserved = Serialization.clone(before);
    unreserved.getSpec().setReserveGameServerIds(List.of());
    assertThat(GameServerSetUpdate.changedBeyondWriteBack(before, unreserved)).isTrue();
    GameServerSet edited = Serialization.clone(before);
    edited.getSpec().getGameServerTemplate().getSpec().getContainers().get(0).setImage("hand-edited");
    assertThat(GameServerSetUpdate.changedBeyondWriteBack(before, edited)).isTrue();
    GameServerSet relabelled = Serialization.clone(before);
    relabelled.getMetadata().getLabels().remove(Labels.MANAGED_BY);
    assertThat(GameServerSetUpdate.changedBeyondWriteBack(before, relabelled)).isTrue();
  }
}
