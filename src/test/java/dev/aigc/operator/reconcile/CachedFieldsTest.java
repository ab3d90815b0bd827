package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.okg.GameServer;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

/** What the operator's caches keep: the same object for both controllers, and every field they read. */
class CachedFieldsTest {
  private static final String INSTANCE = """
      {"apiVersion":"aigc.dev/v1alpha1","kind":"AigcInstance","metadata":{"name":"alice-sd","namespace":"team-a",
       "uid":"u-1","resourceVersion":"7","generation":2,"finalizers":["aigcinstances.aigc.dev/finalizer"],
       "annotations":{"aigc.dev/restart":"2026-01-01T00:00:00Z"},"labels":{"a":"b"},
       "managedFields":[{"manager":"kubectl","operation":"Update"}]},
       "spec":{"template":"sd","owner":"alice"},
       "status":{"phase":"Running","instanceId":3,"url":"https://i3-sd.example.com/",
        "conditions":[{"type":"Ready","status":"True","reason":"Running","message":"the app is ready","observedGeneration":2}]}}
      """;
  private static final String DISK = """
      {"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"user-data-sd-3","namespace":"team-a",
       "uid":"d-1","resourceVersion":"9","labels":{"aigc.dev/template":"sd"},
       "annotations":{"aigc.dev/owner":"alice","aigc.dev/instance-uid":"u-1"}},
       "spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"50Gi"}},"storageClassName":"ssd"},
       "status":{"phase":"Bound"}}
      """;
  private static final String GAME_SERVER = """
      {"apiVersion":"game.kruise.io/v1alpha1","kind":"GameServer","metadata":{"name":"sd-3","namespace":"team-a",
       "uid":"g-1","resourceVersion":"11","labels":{"game.kruise.io/owner-gss":"sd"}},
       "spec":{"opsState":"Kill","deletionPriority":1},
       "status":{"currentState":"Ready","podStatus":{"phase":"Running"},
        "networkStatus":{"currentNetworkState":"NotReady","externalAddresses":[{"ip":"192.0.2.1"}]}}}
      """;

  private final CachedFields caches = new CachedFields(true);

  @Test
  void twoInformersOfInstancesHoldOneObjectThatKeepsEverythingButManagedFields() {
    var primary = caches.instanceStore();
    var secondary = caches.instanceStore();
    AigcInstance first = Serialization.unmarshal(INSTANCE, AigcInstance.class);
    String key = primary.getKey(first);
    primary.put(key, first);
    secondary.put(key, Serialization.unmarshal(INSTANCE, AigcInstance.class));

    AigcInstance held = secondary.get(key);
    assertThat(held).isSameAs(primary.get(key));
    AigcInstance expected = Serialization.unmarshal(INSTANCE, AigcInstance.class);
    expected.getMetadata().setManagedFields(null);
    assertThat(Serialization.asJson(held)).isEqualTo(Serialization.asJson(expected));

    // a newer version read by one informer is not the other's until it reads it too
    AigcInstance newer = Serialization.unmarshal(INSTANCE.replace("\"resourceVersion\":\"7\"", "\"resourceVersion\":\"8\""), AigcInstance.class);
    primary.put(key, newer);
    assertThat(primary.get(key).getMetadata().getResourceVersion()).isEqualTo("8");
    assertThat(secondary.get(key).getMetadata().getResourceVersion()).isEqualTo("7");
  }

  @Test
  void aCachedObjectCannotBeChangedWhereOthersShareIt() {
    var store = caches.instanceStore();
    AigcInstance instance = Serialization.unmarshal(INSTANCE, AigcInstance.class);
    store.put(store.getKey(instance), instance);
    AigcInstance held = store.get(store.getKey(instance));
    assertThatThrownBy(() -> held.getMetadata().getLabels().put("c", "d")).isInstanceOf(UnsupportedOperationException.class);
    // a clone, as JOSDK gives reconcilers and every write makes, is free to change
    AigcInstance clone = Serialization.clone(held);
    clone.getMetadata().getLabels().put("c", "d");
    clone.getMetadata().getFinalizers().add("other");
    assertThat(held.getMetadata().getLabels()).doesNotContainKey("c");
  }

  @Test
  void aDiskKeepsWhatAnUpdateWritesBackAndDropsItsStatus() {
    var store = caches.diskStore();
    PersistentVolumeClaim disk = Serialization.unmarshal(DISK, PersistentVolumeClaim.class);
    store.put(store.getKey(disk), disk);
    PersistentVolumeClaim held = store.get(store.getKey(disk));
    PersistentVolumeClaim expected = Serialization.unmarshal(DISK, PersistentVolumeClaim.class);
    expected.setStatus(null);
    assertThat(Serialization.asJson(held)).isEqualTo(Serialization.asJson(expected));
  }

  @Test
  void aGameServerKeepsWhatAnInstanceStatusIsMadeFrom() {
    var store = caches.gameServerStore();
    GameServer gs = Serialization.unmarshal(GAME_SERVER, GameServer.class);
    store.put(store.getKey(gs), gs);
    GameServer held = store.get(store.getKey(gs));
    assertThat(held.getMetadata().getName()).isEqualTo("sd-3");
    assertThat(held.getMetadata().getLabels()).containsEntry("game.kruise.io/owner-gss", "sd");
    assertThat(held.getSpec().getOpsState()).isEqualTo("Kill");
    assertThat(held.getStatus().getCurrentState()).isEqualTo("Ready");
    assertThat(held.getStatus().getNetworkStatus().getCurrentNetworkState()).isEqualTo("NotReady");
  }

  @Test
  void aPodKeepsItsSetItsVersionAndWhetherItIsGoing() {
    io.fabric8.kubernetes.api.model.Pod pod = new io.fabric8.kubernetes.api.model.PodBuilder()
        .withNewMetadata().withName("sd-0").withNamespace("ns").withUid("u1").withResourceVersion("7")
        .withDeletionTimestamp("2026-11-24T10:00:00Z")
        .withLabels(java.util.Map.of(dev.aigc.operator.okg.GameServerSet.OWNER_GSS_LABEL, "sd", "statefulset.kubernetes.io/pod-name", "sd-0"))
        .withAnnotations(java.util.Map.of(dev.aigc.operator.render.PodTemplateVersion.GENERATION, "4",
            dev.aigc.operator.render.PodTemplateVersion.PARTS, "image=a", "game.kruise.io/network-conf", "[...]"))
        .endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("sd:v1").endContainer().endSpec()
        .withNewStatus().withPhase("Running").endStatus().build();
    io.fabric8.kubernetes.api.model.Pod kept = CachedFields.pod(pod);
    assertThat(kept.getMetadata().getName()).isEqualTo("sd-0");
    assertThat(kept.getMetadata().getResourceVersion()).isEqualTo("7");
    assertThat(kept.getMetadata().getDeletionTimestamp()).isNotNull();
    assertThat(kept.getMetadata().getLabels()).containsOnlyKeys(dev.aigc.operator.okg.GameServerSet.OWNER_GSS_LABEL);
    assertThat(kept.getMetadata().getAnnotations()).containsOnlyKeys(
        dev.aigc.operator.render.PodTemplateVersion.GENERATION, dev.aigc.operator.render.PodTemplateVersion.PARTS);
    assertThat(kept.getSpec()).isNull();
    assertThat(kept.getStatus()).isNull();
  }

  @Test
  void watchingSeveralNamespacesKeepsFabric8sStores() {
    CachedFields several = new CachedFields(false);
    assertThat(several.instanceStore()).isNull();
    assertThat(several.diskStore()).isNull();
    assertThat(several.gameServerStore()).isNull();
  }

  @Test
  void closingLetsGoOfEveryObject() {
    var store = caches.instanceStore();
    AigcInstance instance = Serialization.unmarshal(INSTANCE, AigcInstance.class);
    store.put(store.getKey(instance), instance);
    caches.clear();
    assertThat(store.size()).isZero();
  }
}
