package dev.aigc.operator.reconcile;

import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcInstanceSpec;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.DataRetention;
import dev.aigc.operator.api.InstanceState;
import dev.aigc.operator.okg.GameServer;
import dev.aigc.operator.okg.GameServerSet;
import dev.aigc.operator.reconcile.OwnershipAction.ApplyTemplate;
import dev.aigc.operator.reconcile.OwnershipAction.GoIdle;
import dev.aigc.operator.reconcile.OwnershipAction.Open;
import dev.aigc.operator.reconcile.OwnershipAction.Delete;
import dev.aigc.operator.reconcile.OwnershipAction.DeleteGameServerSet;
import dev.aigc.operator.reconcile.OwnershipAction.DeleteTemplate;
import dev.aigc.operator.reconcile.OwnershipAction.EditTemplate;
import dev.aigc.operator.reconcile.OwnershipAction.Fault;
import dev.aigc.operator.reconcile.OwnershipAction.Install;
import dev.aigc.operator.reconcile.OwnershipAction.RecreateTemplate;
import dev.aigc.operator.reconcile.OwnershipAction.ReinstallAsOther;
import dev.aigc.operator.reconcile.OwnershipAction.RestartOperator;
import dev.aigc.operator.reconcile.OwnershipAction.SetState;
import dev.aigc.operator.reconcile.OwnershipAction.Settle;
import dev.aigc.operator.reconcile.OwnershipAction.StartOperator;
import dev.aigc.operator.reconcile.OwnershipAction.StopOperator;
import dev.aigc.operator.reconcile.OwnershipAction.TemplateShape;
import dev.aigc.operator.reconcile.OwnershipAction.WipeStatus;
import dev.aigc.operator.render.GameServerSetUpdate;
import dev.aigc.operator.sandbox.MockCluster;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One mock cluster with the OKG simulator and the operator, driven by {@link OwnershipAction}s, next to
 * a model of what must hold: who owns which ID and disk, which disks may go, what runs. After every
 * {@link Settle} it waits until the cluster has settled and checks the invariants (DESIGN section 3)
 * against the model:
 *
 * <ol>
 *   <li>no two live instances share an ID;
 *   <li>an instance's disk (the PVC its status.volumeClaim names) keeps its UID for the instance's life;
 *   <li>no disk vanishes except by a Delete-retention deletion of its own instance, such a deletion
 *       does remove it, and no disk is left belonging to no one;
 *   <li>a disk never changes owner: its aigc.dev/owner annotation never changes once set, an
 *       instance's owner is its disk's owner, a returning owner gets her retained disk back, and
 *       disks carry the stamp (owner, instance, instance UID, template; not app.kubernetes.io/instance);
 *   <li>every deletion finishes, and no instance goes without one;
 *   <li>statuses tell the truth as kstatus reads them: observedGeneration, Ready=True when the
 *       instance is as its spec asks (Running with a ready pod, or Stopped without one), Stalled=True
 *       when it cannot get there, and status.instanceId never changes or disappears once set;
 *   <li>the GameServerSet's replicas, reserveGameServerIds and pod template, and the pods and
 *       GameServers, match the instances (invariant 2 of the design).
 * </ol>
 *
 * <p>The mock API server has no garbage collector; this class plays it (owner references, and the
 * pods of a deleted GameServerSet), since the cases under test depend on it.
 */
public final class OwnershipRun implements AutoCloseable {
  /** How long the cluster may take to settle after a batch of actions, unless told otherwise. */
  public static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);
  static final String NS = OperatorTestBase.NS;
  static final String TEMPLATE = OperatorTestBase.TEMPLATE;
  static final String OWNER = "aigc.dev/owner";
  static final String INSTANCE = "aigc.dev/instance";
  static final String INSTANCE_UID = "aigc.dev/instance-uid";
  static final String TEMPLATE_LABEL = "aigc.dev/template";
  static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  static final String ARGO_TRACKING = "app.kubernetes.io/instance";
  private static final String DISK_PREFIX = "user-data-" + TEMPLATE + "-";
  private static final String IMAGE = "yunqi-registry.cn-shanghai.cr.aliyuncs.com/lab/stable-diffusion:";
  private static final String ENV = "AIGC_TEST_SETTING";
  private static final Set<String> GARBAGE_COLLECTED_KINDS =
      Set.of("AigcTemplate", "AigcInstance", "GameServerSet", "Pod", "GameServer", "PersistentVolumeClaim");

  private final Duration settleTimeout;
  private final MockCluster cluster;
  private final KubernetesClient kubectl;
  private final ClientFaults faults;
  private KubernetesClient operatorClient;
  private AigcOperator operator;

  /** The operator's clock; {@link OwnershipAction.GoIdle} moves it past the idle limit. */
  private final dev.aigc.operator.sim.ShiftedClock clock = new dev.aigc.operator.sim.ShiftedClock();
  private static final Duration IDLE_JUMP = Duration.ofHours(9);
  private final List<String> history = new ArrayList<>();
  private final List<String> violationsSinceCheck = new ArrayList<>();
  private int actions;
  private int settles;
  private int checks;

  // the model
  private final Map<String, Inst> instances = new LinkedHashMap<>();
  private final Map<String, Disk> disks = new LinkedHashMap<>();
  private boolean templatePresent = true;
  private TemplateShape shape = TemplateShape.VALID;
  private String imageTag = "v1.0.0-cpu";
  private String envValue;
  private DataRetention templateRetention;
  private final Set<DataRetention> templateRetentionsSinceSettle = EnumSet.noneOf(DataRetention.class);
  /** Per owner, the disks retained for her at the last check (UIDs). */
  private Map<String, Set<String>> retainedAtLastCheck = Map.of();

  /** An instance as the model knows it, by UID. */
  private static final class Inst {
    final String uid;
    final String name;
    final String owner;
    InstanceState desired = InstanceState.Running;
    /** spec.dataRetention, set by the deletion (null: the template's applies). */
    DataRetention override;
    boolean deleted;
    boolean gone;
    /** The retentions its deletion may have applied: one, or both while the template was changing. */
    final Set<DataRetention> fates = EnumSet.noneOf(DataRetention.class);
    Integer id;
    String diskUid;
    /** Opened (or restarted, or its status wiped) since the clock last jumped: it must not be suspended. */
    boolean mustBeAwake = true;
    /** The status.lastActivity this run last published for it (the gateway's field: nobody else may change it). */
    String published;

    Inst(String uid, String name, String owner) {
      this.uid = uid;
      this.name = name;
      this.owner = owner;
    }

    @Override public String toString() {
      return name + " (" + owner + ", uid ..." + uid.substring(Math.max(0, uid.length() - 4)) + ")";
    }
  }

  /** A disk seen at a check, by UID. */
  private static final class Disk {
    final String uid;
    final String name;
    String owner;
    String instanceUid;
    boolean gone;

    Disk(String uid, String name) {
      this.uid = uid;
      this.name = name;
    }
  }

  public OwnershipRun() {
    this(SETTLE_TIMEOUT);
  }

  public OwnershipRun(Duration settleTimeout) {
    this.settleTimeout = settleTimeout;
    cluster = MockCluster.start();
    kubectl = cluster.client();
    faults = new ClientFaults(cluster);
    kubectl.resource(templateObject()).create();
    noteTemplateRetention();
    startOperator();
  }

  public int actions() {
    return actions;
  }

  public int settles() {
    return settles;
  }

  /** Individual invariant checks made so far (one per instance, disk or object and invariant). */
  public int checks() {
    return checks;
  }

  /** Every action so far, with what it did, and the checks in between. */
  public String history() {
    return IntStream.range(0, history.size()).mapToObj(i -> String.format("%3d. %s", i + 1, history.get(i)))
        .collect(Collectors.joining("\n"));
  }

  // ---------------------------------------------------------------------------------------------
  // Actions

  /** Carries out one action (a {@link Settle} waits and checks); returns the violations it found. */
  public List<String> apply(OwnershipAction action) {
    if (action instanceof Settle) return settleAndCheck();
    actions++;
    String note;
    if (action instanceof Install a) note = install(a.name(), a.owner());
    else if (action instanceof SetState a) note = setState(a.name(), a.state());
    else if (action instanceof Delete a) note = delete(a.name(), a.retention());
    else if (action instanceof ReinstallAsOther a) note = reinstallAsOther(a);
    else if (action instanceof EditTemplate a) note = editTemplate(a);
    else if (action instanceof DeleteTemplate) note = deleteTemplate();
    else if (action instanceof ApplyTemplate) note = applyTemplate();
    else if (action instanceof RecreateTemplate) note = recreateTemplate();
    else if (action instanceof DeleteGameServerSet) note = deleteGameServerSet();
    else if (action instanceof WipeStatus a) note = wipeStatus(a.name());
    else if (action instanceof GoIdle) note = goIdle();
    else if (action instanceof Open a) note = open(a.name());
    else if (action instanceof RestartOperator) note = stopOperator() + startOperator();
    else if (action instanceof StopOperator) note = operator == null ? "already stopped" : stopOperator();
    else if (action instanceof StartOperator) note = operator != null ? "already running" : startOperator();
    else if (action instanceof Fault a) {
      faults.failNext(a.target().method, p -> p.contains(a.target().pathPart), a.code(), a.toString());
      note = "";
    } else {
      throw new IllegalArgumentException(String.valueOf(action));
    }
    history.add(action + (note.isEmpty() ? "" : " [" + note + "]"));
    return List.of();
  }

  private String install(String name, String owner) {
    if (liveByName(name) != null) return "skipped: the name is taken";
    AigcInstance instance = new AigcInstance();
    instance.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    AigcInstanceSpec spec = new AigcInstanceSpec();
    spec.setTemplate(TEMPLATE);
    spec.setOwner(owner);
    instance.setSpec(spec);
    try {
      AigcInstance created = kubectl.resource(instance).create();
      Inst inst = new Inst(created.getMetadata().getUid(), name, owner);
      instances.put(inst.uid, inst);
      return "";
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) return "skipped: the old " + name + " is still being deleted";
      throw e;
    }
  }

  private String setState(String name, InstanceState state) {
    Inst inst = liveByName(name);
    if (inst == null) return "skipped: no such instance";
    if (inst.desired == state) return "skipped: already " + state;
    edit(name, i -> i.getSpec().setState(state));
    inst.desired = state;
    inst.mustBeAwake = true;
    return "";
  }

  private String delete(String name, DataRetention retention) {
    Inst inst = liveByName(name);
    if (inst == null) return "skipped: no such instance";
    if (retention != null) {
      edit(name, i -> i.getSpec().setDataRetention(retention));
      inst.override = retention;
      inst.fates.add(retention);
    } else {
      inst.fates.addAll(templateRetentionsSinceSettle);
      inst.fates.addAll(templateRetentions());
    }
    kubectl.resources(AigcInstance.class).inNamespace(NS).withName(name).delete();
    inst.deleted = true;
    return inst.fates.size() > 1 ? "the template's retention was changing: either fate is right" : "";
  }

  private String reinstallAsOther(ReinstallAsOther action) {
    Inst old = liveByName(action.name());
    if (old == null) return ("nothing to delete; " + install(action.name(), action.owner())).trim();
    String owner = action.owner().equals(old.owner)
        ? OwnershipAction.OWNERS.get((OwnershipAction.OWNERS.indexOf(old.owner) + 1) % OwnershipAction.OWNERS.size())
        : action.owner();
    String note = delete(action.name(), action.retention());
    if (operator == null) {
      startOperator();
      note += " operator started to finish the deletion;";
    }
    try {
      await().atMost(settleTimeout).pollInterval(Duration.ofMillis(100))
          .until(() -> instanceObject(old.uid) == null);
      old.gone = true;
    } catch (ConditionTimeoutException e) {
      violationsSinceCheck.add("invariant 5: deleting " + old + " did not finish within " + settleTimeout.toSeconds()
          + " s: " + describe(instanceObject(old.uid)));
      return note + " deletion did not finish";
    }
    return (note + " " + install(action.name(), owner) + " (as " + owner + ")").trim();
  }

  private String editTemplate(EditTemplate edit) {
    if (!templatePresent) return "skipped: no template";
    switch (edit.change()) {
      case IMAGE -> imageTag = edit.value();
      case ENV -> envValue = edit.value();
      case RETENTION -> templateRetention = "unset".equals(edit.value()) ? null : DataRetention.valueOf(edit.value());
      case SHAPE -> shape = TemplateShape.valueOf(edit.value());
    }
    AigcTemplate desired = templateObject();
    retryOnConflict(() -> kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).edit(t -> {
      t.setSpec(desired.getSpec());
      return t;
    }));
    noteTemplateRetention();
    return "";
  }

  /**
   * deletionPolicy Cascade: the operator deletes the template's instances (each disk by its
   * retention), then lets the template go. Waited for, as a GitOps tool waits for a prune, so that
   * no install falls between the instances' deletion and the template's.
   */
  private String deleteTemplate() {
    if (!templatePresent) return "skipped: no template";
    for (Inst inst : instances.values()) {
      if (inst.deleted) continue;
      if (inst.override != null) inst.fates.add(inst.override);
      else {
        inst.fates.addAll(templateRetentionsSinceSettle);
        inst.fates.addAll(templateRetentions());
      }
      inst.deleted = true;
    }
    // A template deleted before the operator has put its finalizer on it goes at once, without a
    // cascade (Kubernetes' own rule): the model deletes only templates the operator has taken on.
    String note = "";
    if (operator == null) note = startOperator() + "operator started to take the template on; ";
    try {
      await().atMost(settleTimeout).pollInterval(Duration.ofMillis(50)).until(() -> {
        AigcTemplate t = kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).get();
        return t != null && t.getMetadata().getFinalizers() != null && !t.getMetadata().getFinalizers().isEmpty();
      });
    } catch (ConditionTimeoutException timeout) {
      violationsSinceCheck.add("invariant 10: the operator did not take the template on (no finalizer) within " + settleTimeout.toSeconds() + " s");
    }
    kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).delete();
    templatePresent = false;
    noteTemplateRetention();
    try {
      await().atMost(settleTimeout).pollInterval(Duration.ofMillis(100))
          .until(() -> kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).get() == null);
    } catch (ConditionTimeoutException timeout) {
      violationsSinceCheck.add("invariant 10: deleting the template did not finish within " + settleTimeout.toSeconds() + " s");
      return note + "; the template is still there";
    }
    collectGarbage();
    return note;
  }

  private String applyTemplate() {
    if (templatePresent) return "skipped: the template is there";
    String note = "";
    try {
      kubectl.resource(templateObject()).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) throw e;
      // the old one is still being deleted (a finalizer): wait for it, as a GitOps tool would retry
      if (operator == null) note = startOperator() + "operator started to finish the template's deletion; ";
      try {
        await().atMost(settleTimeout).pollInterval(Duration.ofMillis(100))
            .until(() -> kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).get() == null);
      } catch (ConditionTimeoutException timeout) {
        violationsSinceCheck.add("invariant 5: deleting the template did not finish within " + settleTimeout.toSeconds() + " s");
        return note + "the old template is still there";
      }
      collectGarbage();
      kubectl.resource(templateObject()).create();
    }
    templatePresent = true;
    noteTemplateRetention();
    return note;
  }

  private String recreateTemplate() {
    if (!templatePresent) return applyTemplate();
    deleteTemplate();
    return applyTemplate();
  }

  private String deleteGameServerSet() {
    GameServerSet gss = kubectl.resources(GameServerSet.class).inNamespace(NS).withName(TEMPLATE).get();
    if (gss == null) return "skipped: no GameServerSet";
    kubectl.resource(gss).delete();
    // OKG's workload goes with it, and the pods and GameServers with the workload; the disks stay
    deletePodsOf(TEMPLATE);
    return "";
  }

  /**
   * The clock jumps past the idle limit and every instance is looked at (the operator reschedules in
   * real time): those Running are suspended; which ones is up to what each is doing at that moment.
   */
  private String goIdle() {
    clock.advance(IDLE_JUMP);
    for (Inst inst : instances.values()) {
      if (inst.deleted) continue;
      inst.mustBeAwake = false;
      poke(inst.name);
    }
    return "";
  }

  /** As the gateway publishes the owner's request to a suspended instance: at once, into status.lastActivity. */
  private String open(String name) {
    Inst inst = liveByName(name);
    if (inst == null) return "skipped: no such instance";
    if (inst.desired != InstanceState.Running) return "skipped: stopped";
    String now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    try {
      kubectl.resources(AigcInstance.class).inNamespace(NS).withName(name).subresource("status")
          .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
              "{\"status\":{\"lastActivity\":\"" + now + "\"}}");
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) return "skipped: gone";
      throw e;
    }
    inst.published = now;
    inst.mustBeAwake = true;
    return "";
  }

  private void poke(String name) {
    try {
      kubectl.resources(AigcInstance.class).inNamespace(NS).withName(name).edit(i -> {
        if (i.getMetadata().getAnnotations() == null) i.getMetadata().setAnnotations(new java.util.HashMap<>());
        i.getMetadata().getAnnotations().put("test.aigc.dev/poke", Long.toString(System.nanoTime()));
        return i;
      });
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404 && e.getCode() != 409) throw e;
    }
  }

  private String wipeStatus(String name) {
    Inst inst = liveByName(name);
    if (inst == null) return "skipped: no such instance";
    inst.published = null;
    inst.mustBeAwake = true;
    retryOnConflict(() -> kubectl.resources(AigcInstance.class).inNamespace(NS).withName(name).editStatus(i -> {
      i.setStatus(null);
      return i;
    }));
    return "";
  }

  private String startOperator() {
    operatorClient = faults.newClient();
    operator = new AigcOperator(operatorClient, OperatorTestBase.SETTINGS, dev.aigc.operator.observe.Telemetry.inMemory(), clock).start();
    return "";
  }

  private String stopOperator() {
    if (operator != null) operator.close();
    if (operatorClient != null) operatorClient.close();
    operator = null;
    operatorClient = null;
    return "";
  }

  /** A user's edit of an instance's spec; like kubectl, tried again when the operator wrote in between. */
  private void edit(String name, java.util.function.Consumer<AigcInstance> change) {
    retryOnConflict(() -> kubectl.resources(AigcInstance.class).inNamespace(NS).withName(name).edit(i -> {
      change.accept(i);
      return i;
    }));
  }

  private static void retryOnConflict(Runnable write) {
    for (int attempt = 1; ; attempt++) {
      try {
        write.run();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 20) throw e;
      }
    }
  }

  private Inst liveByName(String name) {
    return instances.values().stream().filter(i -> !i.deleted && i.name.equals(name)).findFirst().orElse(null);
  }

  /**
   * The retentions a deletion that follows the template may apply now: the template's when it is
   * valid; Retain without a template or its dedicated section; either while it is invalid (an
   * operator may trust no field of an invalid template).
   */
  private Set<DataRetention> templateRetentions() {
    DataRetention written = templateRetention == null ? DataRetention.Retain : templateRetention;
    if (!templatePresent || shape == TemplateShape.NO_DEDICATED) return EnumSet.of(DataRetention.Retain);
    return shape == TemplateShape.VALID ? EnumSet.of(written) : EnumSet.of(written, DataRetention.Retain);
  }

  /** Whether the template is there and valid with a dedicated section: the state in which everything must run. */
  private boolean templateServes() {
    return templatePresent && shape == TemplateShape.VALID;
  }

  /** A deletion not yet finished may meet any retention the template has had since. */
  private void noteTemplateRetention() {
    Set<DataRetention> now = templateRetentions();
    templateRetentionsSinceSettle.addAll(now);
    for (Inst inst : instances.values()) {
      if (inst.deleted && !inst.gone && inst.override == null) {
        inst.fates.addAll(now);
      }
    }
  }

  private AigcTemplate templateObject() {
    AigcTemplate template = OperatorTestBase.load(Path.of("examples/stable-diffusion-cpu.yaml"), AigcTemplate.class);
    template.getMetadata().setNamespace(NS);
    template.getSpec().getApp().setImage(IMAGE + imageTag);
    template.getSpec().getApp().setEnv(envValue == null ? null : List.of(new EnvVar(ENV, envValue, null)));
    template.getSpec().getDedicated().setDataRetention(templateRetention);
    // long enough that no run reaches it by itself; GoIdle jumps past it
    template.getSpec().getDedicated().setIdle(dev.aigc.operator.api.IdleSpec.of("8h", null, null));
    if (shape == TemplateShape.INVALID) {
      // as BadInputIT: a host without <id> (one host for every instance) is refused by the operator
      template.getSpec().getDedicated().getIngress().setHost("instances-cpu.example.com");
    } else if (shape == TemplateShape.NO_DEDICATED) {
      template.getSpec().setDedicated(null);
      template.getSpec().setShared(new dev.aigc.operator.api.SharedSpec());
    }
    return template;
  }

  // ---------------------------------------------------------------------------------------------
  // The garbage collector the mock API server lacks

  /** Deletes what Kubernetes' garbage collector would: objects whose owners are all gone, and the pods of a gone set. */
  private void collectGarbage() {
    for (int round = 0; round < 5; round++) {
      List<HasMetadata> all = new ArrayList<>();
      all.addAll(kubectl.resources(AigcTemplate.class).inNamespace(NS).list().getItems());
      all.addAll(kubectl.resources(AigcInstance.class).inNamespace(NS).list().getItems());
      List<GameServerSet> sets = kubectl.resources(GameServerSet.class).inNamespace(NS).list().getItems();
      all.addAll(sets);
      all.addAll(kubectl.pods().inNamespace(NS).list().getItems());
      all.addAll(kubectl.resources(GameServer.class).inNamespace(NS).list().getItems());
      all.addAll(kubectl.persistentVolumeClaims().inNamespace(NS).list().getItems());
      Set<String> uids = all.stream().map(o -> o.getMetadata().getUid()).collect(Collectors.toSet());
      Set<String> setNames = sets.stream().map(s -> s.getMetadata().getName()).collect(Collectors.toSet());
      boolean deleted = false;
      for (HasMetadata object : all) {
        List<OwnerReference> owners = object.getMetadata().getOwnerReferences();
        boolean ownersGone = owners != null && !owners.isEmpty()
            && owners.stream().allMatch(o -> GARBAGE_COLLECTED_KINDS.contains(o.getKind()) && !uids.contains(o.getUid()));
        String set = object.getMetadata().getLabels() == null ? null
            : object.getMetadata().getLabels().get(GameServerSet.OWNER_GSS_LABEL);
        boolean setGone = (object instanceof Pod || object instanceof GameServer) && set != null && !setNames.contains(set);
        if (ownersGone || setGone) {
          kubectl.resource(object).delete();
          deleted = true;
        }
      }
      if (!deleted) return;
    }
  }

  private void deletePodsOf(String set) {
    kubectl.pods().inNamespace(NS).withLabel(GameServerSet.OWNER_GSS_LABEL, set).delete();
    kubectl.resources(GameServer.class).inNamespace(NS).withLabel(GameServerSet.OWNER_GSS_LABEL, set).delete();
  }

  // ---------------------------------------------------------------------------------------------
  // Settling

  /** What the cluster holds for the template, at one moment. */
  private record Snapshot(AigcTemplate template, Map<String, AigcInstance> instances, Map<String, PersistentVolumeClaim> disks,
      GameServerSet gameServerSet, Map<Integer, Pod> pods, Map<Integer, GameServer> gameServers) {

    PersistentVolumeClaim diskOfInstance(String instanceUid) {
      return disks.values().stream().filter(d -> d.getMetadata().getAnnotations() != null
          && instanceUid.equals(d.getMetadata().getAnnotations().get("aigc.dev/instance-uid"))).findFirst().orElse(null);
    }

    PersistentVolumeClaim diskByUid(String uid) {
      return disks.values().stream().filter(d -> d.getMetadata().getUid().equals(uid)).findFirst().orElse(null);
    }
  }

  private Snapshot snapshot() {
    AigcTemplate template = kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).get();
    Map<String, AigcInstance> byUid = new LinkedHashMap<>();
    for (AigcInstance i : kubectl.resources(AigcInstance.class).inNamespace(NS).list().getItems()) {
      byUid.put(i.getMetadata().getUid(), i);
    }
    Map<String, PersistentVolumeClaim> claims = new TreeMap<>();
    for (PersistentVolumeClaim pvc : kubectl.persistentVolumeClaims().inNamespace(NS).list().getItems()) {
      if (idOf(pvc.getMetadata().getName(), DISK_PREFIX) != null) claims.put(pvc.getMetadata().getName(), pvc);
    }
    GameServerSet gss = kubectl.resources(GameServerSet.class).inNamespace(NS).withName(TEMPLATE).get();
    Map<Integer, Pod> pods = new TreeMap<>();
    for (Pod pod : kubectl.pods().inNamespace(NS).withLabel(GameServerSet.OWNER_GSS_LABEL, TEMPLATE).list().getItems()) {
      Integer id = idOf(pod.getMetadata().getName(), TEMPLATE + "-");
      if (id != null && pod.getMetadata().getDeletionTimestamp() == null) pods.put(id, pod);
    }
    Map<Integer, GameServer> servers = new TreeMap<>();
    for (GameServer gs : kubectl.resources(GameServer.class).inNamespace(NS).withLabel(GameServerSet.OWNER_GSS_LABEL, TEMPLATE).list().getItems()) {
      Integer id = idOf(gs.getMetadata().getName(), TEMPLATE + "-");
      if (id != null) servers.put(id, gs);
    }
    return new Snapshot(template, byUid, claims, gss, pods, servers);
  }

  /** Checks, counted; a failed one is a violation of the numbered invariant. */
  private final class Checks {
    final List<String> violations = new ArrayList<>();
    final boolean counted;

    Checks(boolean counted) {
      this.counted = counted;
    }

    void expect(boolean holds, int invariant, String message) {
      if (counted) checks++;
      if (!holds) violations.add("invariant " + invariant + ": " + message);
    }
  }

  /** The operator's longest retry back-off (AigcOperator), and a little more. */
  private static final Duration RETRY_BACKOFF_CAP = Duration.ofSeconds(130);
  private int faultsAtLastCheck;

  private boolean settleWithin(Duration timeout, Snapshot[] last) {
    try {
      await().atMost(timeout).pollInterval(Duration.ofMillis(200)).until(() -> {
        collectGarbage();
        last[0] = snapshot();
        Checks dry = new Checks(false);
        expectSettled(dry, last[0]);
        return dry.violations.isEmpty();
      });
      return true;
    } catch (ConditionTimeoutException e) {
      return false;
    }
  }

  /** What the operator's runtime says of its event sources, for a run that did not settle. */
  private String operatorHealth() {
    if (operator == null) return " (operator stopped)";
    var runtime = operator.operator().getRuntimeInfo();
    return " (operator started " + runtime.isStarted() + ", unhealthy event sources " + runtime.unhealthyEventSources()
        + ", unhealthy informer wrappers " + runtime.unhealthyInformerWrappingEventSourceHealthIndicator() + ")";
  }

  /**
   * Waits until the cluster has settled (or the timeout), then checks every invariant; returns the
   * violations. Settled means that everything that must come true after the last action has: so the
   * wait covers all of it, and a slow but correct operator cannot pass for a wrong one.
   */
  public List<String> settleAndCheck() {
    settles++;
    boolean started = operator == null;
    if (started) startOperator();
    long begin = System.nanoTime();
    Snapshot[] last = new Snapshot[1];
    boolean settled = settleWithin(settleTimeout, last);
    // Injected faults met since the last check put the operator's retries in back-off (doubling up
    // to 2 minutes, AigcOperator): a few in a row outlast the settle time without anything being wrong.
    if (!settled && faults.faultsServed() > faultsAtLastCheck) settled = settleWithin(RETRY_BACKOFF_CAP, last);
    faultsAtLastCheck = faults.faultsServed();
    Checks c = new Checks(true);
    c.violations.addAll(violationsSinceCheck);
    violationsSinceCheck.clear();
    if (last[0] == null) last[0] = snapshot();
    expectSettled(c, last[0]);
    if (!settled) c.violations.add(0, "the cluster did not settle within " + settleTimeout.toSeconds() + " s; what does not hold:"
        + operatorHealth());
    expectSafe(c, last[0]);
    history.add(String.format(java.util.Locale.ROOT, "-- check %d%s: %s after %.1f s --", settles,
        started ? " (operator started first)" : "", c.violations.isEmpty() ? "ok" : c.violations.size() + " violation(s)",
        (System.nanoTime() - begin) / 1e9));
    return c.violations;
  }

  /** What must hold once everything has settled after the last action, by the model (which it does not change). */
  private void expectSettled(Checks c, Snapshot s) {
    Set<Integer> shouldRun = new TreeSet<>();
    Set<Integer> held = new TreeSet<>();
    Set<String> disksInUse = new HashSet<>();
    for (Inst inst : instances.values()) {
      AigcInstance object = s.instances.get(inst.uid);
      if (inst.deleted) {
        // 5: every deletion finishes; 3: a Delete retention takes the disk
        c.expect(object == null, 5, "deleted " + inst + " is still there: " + describe(object));
        if (inst.fates.equals(EnumSet.of(DataRetention.Delete))) {
          // by the UID the model saw, or, for an instance deleted before any check saw its disk, by the disk's record
          boolean survived = inst.diskUid != null ? s.diskByUid(inst.diskUid) != null : s.diskOfInstance(inst.uid) != null;
          c.expect(!survived, 3, "the disk of " + inst + " survived its deletion with retention Delete");
        }
        continue;
      }
      if (object == null) continue; // an instance that vanished: see expectSafe
      var status = object.getStatus();
      var conditions = status == null ? List.<Condition>of() : status.getConditions();
      Integer id = status == null ? null : status.getInstanceId();
      boolean ready = isTrue(conditions, "Ready");
      boolean stalled = isTrue(conditions, "Stalled");

      // 6: status as kstatus reads it
      c.expect(status != null && Objects.equals(status.getObservedGeneration(), object.getMetadata().getGeneration()), 6,
          inst + " has observedGeneration " + (status == null ? "(no status)" : status.getObservedGeneration())
              + ", generation " + object.getMetadata().getGeneration());
      c.expect(!(ready && stalled), 6, inst + " is both Ready and Stalled: " + conditions(conditions));
      c.expect(!(ready && isTrue(conditions, "Reconciling")), 6, inst + " is Ready and still Reconciling: " + conditions(conditions));
      if (templateServes()) {
        c.expect(ready, 6, inst + " (" + inst.desired + ") is not Ready although its template is there and valid: " + conditions(conditions));
      } else {
        c.expect(ready || stalled, 6, inst + " is neither Ready nor Stalled: " + conditions(conditions));
        if (!templatePresent && inst.desired == InstanceState.Running) {
          c.expect(stalled, 6, inst + " should run but its template is gone, so it must say Stalled: " + conditions(conditions));
        }
      }
      // idle suspension: only of an instance that should run, never one opened since the clock last jumped,
      // and the gateway's lastActivity is never changed by anyone else
      boolean suspended = status != null && status.getSuspendedAt() != null;
      c.expect(!suspended || (inst.desired == InstanceState.Running && !inst.mustBeAwake), 6,
          inst + " is suspended (since " + (status == null ? null : status.getSuspendedAt()) + ") but "
              + (inst.desired != InstanceState.Running ? "is stopped" : "was opened, started or reset since the clock last jumped"));
      c.expect(status == null || Objects.equals(status.getLastActivity(), inst.published), 6,
          inst + "'s status.lastActivity is " + (status == null ? null : status.getLastActivity()) + ", the gateway published " + inst.published);
      if (ready && inst.desired == InstanceState.Running && !suspended) {
        c.expect(id != null && s.pods.containsKey(id) && isReady(s.gameServers.get(id)), 6,
            inst + " says Ready (Running) but pod and GameServer " + TEMPLATE + "-" + id + " are not there and ready");
      }
      if (ready && suspended) {
        c.expect(id == null || !s.pods.containsKey(id), 6, inst + " says Ready (Suspended) but its pod " + TEMPLATE + "-" + id + " runs");
      }
      if (ready && inst.desired == InstanceState.Stopped) {
        c.expect(id == null || !s.pods.containsKey(id), 6, inst + " says Ready (Stopped) but its pod " + TEMPLATE + "-" + id + " runs");
      }
      if (templateServes() && inst.desired == InstanceState.Running) {
        c.expect(id != null, 6, inst + " should run but has no instanceId");
      }
      if (id != null) (inst.desired == InstanceState.Running && !suspended ? shouldRun : held).add(id);

      // 2 and 4: its disk exists and says whose it is
      if (id != null) {
        String claim = status.getVolumeClaim();
        c.expect((DISK_PREFIX + id).equals(claim), 2, inst + " holds ID " + id + " but its status.volumeClaim is " + claim);
        PersistentVolumeClaim pvc = claim == null ? null : s.disks.get(claim);
        c.expect(pvc != null, 2, inst + "'s disk " + claim + " does not exist");
        if (pvc != null) {
          expectStamp(c, pvc, inst);
          disksInUse.add(pvc.getMetadata().getUid());
        }
      }
    }
    // 3: a disk no instance uses is retained for its owner, never no one's
    for (PersistentVolumeClaim pvc : s.disks.values()) {
      held.add(idOf(pvc.getMetadata().getName(), DISK_PREFIX));
      if (disksInUse.contains(pvc.getMetadata().getUid())) continue;
      String owner = annotations(pvc).get(OWNER);
      c.expect(owner != null && !owner.isBlank(), 3, "disk " + pvc.getMetadata().getName() + " is used by no instance and has no owner (an orphan)");
    }
    held.removeAll(shouldRun);

    if (!templatePresent) {
      c.expect(s.pods.isEmpty(), 7, "pods " + s.pods.keySet() + " run without a template");
      return;
    }
    expectTemplateStatus(c, s);
    // an invalid template, or one without spec.dedicated, leaves no way to say what should run
    if (shape == TemplateShape.VALID) expectGameServerSet(c, s, shouldRun, held);
  }

  /** 4: who the disk belongs to, written on it, in the form the design asks. */
  private void expectStamp(Checks c, PersistentVolumeClaim pvc, Inst inst) {
    Map<String, String> annotations = annotations(pvc);
    Map<String, String> labels = pvc.getMetadata().getLabels() == null ? Map.of() : pvc.getMetadata().getLabels();
    String name = pvc.getMetadata().getName();
    c.expect(inst.owner.equals(annotations.get(OWNER)), 4, inst + "'s disk " + name + " has " + OWNER + "=" + annotations.get(OWNER));
    c.expect(inst.uid.equals(annotations.get(INSTANCE_UID)), 4, inst + "'s disk " + name + " has " + INSTANCE_UID + "=" + annotations.get(INSTANCE_UID));
    c.expect(inst.name.equals(annotations.get(INSTANCE)), 4, inst + "'s disk " + name + " has " + INSTANCE + "=" + annotations.get(INSTANCE));
    c.expect(TEMPLATE.equals(labels.get(TEMPLATE_LABEL)), 4, "disk " + name + " has label " + TEMPLATE_LABEL + "=" + labels.get(TEMPLATE_LABEL));
    c.expect("aigc-operator".equals(labels.get(MANAGED_BY)), 4, "disk " + name + " has label " + MANAGED_BY + "=" + labels.get(MANAGED_BY));
    c.expect(!labels.containsKey(ARGO_TRACKING), 4, "disk " + name + " has label " + ARGO_TRACKING + "=" + labels.get(ARGO_TRACKING)
        + " (Argo CD before 3.0 would take it for an Application's object)");
  }

  /** 6: the template's own status. */
  private void expectTemplateStatus(Checks c, Snapshot s) {
    c.expect(s.template != null, 6, "the template is missing");
    if (s.template == null) return;
    var status = s.template.getStatus();
    c.expect(status != null && Objects.equals(status.getObservedGeneration(), s.template.getMetadata().getGeneration()), 6,
        "the template's observedGeneration is " + (status == null ? "(no status)" : status.getObservedGeneration())
            + ", generation " + s.template.getMetadata().getGeneration());
    var conditions = status == null ? List.<Condition>of() : status.getConditions();
    boolean ready = isTrue(conditions, "Ready");
    boolean stalled = isTrue(conditions, "Stalled");
    switch (shape) {
      case VALID -> c.expect(ready && !stalled, 6, "the template is not Ready: " + conditions(conditions));
      // an invalid spec needs a human: Stalled, with a reason
      case INVALID -> c.expect(stalled && !ready, 6, "the invalid template does not say Stalled: " + conditions(conditions));
      // shared only, in a cluster without Knative: settled either way
      case NO_DEDICATED -> c.expect(ready ^ stalled, 6, "the template without spec.dedicated is neither Ready nor Stalled: " + conditions(conditions));
    }
  }

  /** 7: what OKG is told and runs matches the instances. */
  private void expectGameServerSet(Checks c, Snapshot s, Set<Integer> shouldRun, Set<Integer> held) {
    GameServerSet gss = s.gameServerSet;
    c.expect(gss != null, 7, "the template has no GameServerSet");
    if (gss == null) return;
    int running = (int) instances.values().stream().filter(i -> !i.deleted && i.desired == InstanceState.Running
        && !(s.instances.get(i.uid) != null && s.instances.get(i.uid).getStatus() != null && s.instances.get(i.uid).getStatus().getSuspendedAt() != null)).count();
    c.expect(Objects.equals(gss.getSpec().getReplicas(), running), 7,
        "replicas " + gss.getSpec().getReplicas() + ", but " + running + " instances should run (IDs " + shouldRun + ")");
    Set<Integer> reserved = GameServerSetUpdate.reservedIds(gss);
    Set<Integer> wronglyReserved = new TreeSet<>(reserved);
    wronglyReserved.retainAll(shouldRun);
    c.expect(wronglyReserved.isEmpty(), 7, "IDs " + wronglyReserved + " should run but are reserved");
    int max = IntStream.concat(shouldRun.stream().mapToInt(i -> i), held.stream().mapToInt(i -> i)).max().orElse(-1);
    Set<Integer> unreserved = IntStream.rangeClosed(0, max).boxed()
        .filter(i -> !shouldRun.contains(i) && !reserved.contains(i)).collect(Collectors.toCollection(TreeSet::new));
    c.expect(unreserved.isEmpty(), 7, "IDs " + unreserved + " must not run (held: " + held + ") but are not reserved: " + reserved);
    c.expect(s.pods.keySet().equals(shouldRun), 7, "pods " + s.pods.keySet() + ", but IDs " + shouldRun + " should run");
    c.expect(s.gameServers.keySet().equals(s.pods.keySet()), 7,
        "GameServers " + s.gameServers.keySet() + " do not match pods " + s.pods.keySet());
    for (GameServer gs : s.gameServers.values()) c.expect(isReady(gs), 7, "GameServer " + gs.getMetadata().getName() + " is not Ready");
    var podSpec = gss.getSpec().getGameServerTemplate() == null ? null : gss.getSpec().getGameServerTemplate().getSpec();
    var containers = podSpec == null || podSpec.getContainers() == null ? List.<io.fabric8.kubernetes.api.model.Container>of() : podSpec.getContainers();
    c.expect(containers.stream().anyMatch(k -> (IMAGE + imageTag).equals(k.getImage())), 7,
        "the GameServerSet's pod template does not run image " + IMAGE + imageTag);
    boolean envThere = containers.stream().anyMatch(k -> k.getEnv() != null
        && k.getEnv().stream().anyMatch(e -> ENV.equals(e.getName()) && Objects.equals(envValue, e.getValue())));
    boolean envAbsent = containers.stream().noneMatch(k -> k.getEnv() != null && k.getEnv().stream().anyMatch(e -> ENV.equals(e.getName())));
    c.expect(envValue == null ? envAbsent : envThere, 7, "the GameServerSet's pod template does not have " + ENV + "=" + envValue);
  }

  /**
   * What must never have happened, by what the model remembers of earlier checks: IDs and disks that
   * changed, disks that vanished or changed hands. Updates the model with what it sees.
   */
  private void expectSafe(Checks c, Snapshot s) {
    Map<Integer, List<Inst>> holders = new TreeMap<>();
    Map<String, Inst> diskUsers = new HashMap<>();
    List<Inst> newlyAllocated = new ArrayList<>();

    for (Inst inst : instances.values()) {
      if (inst.deleted) {
        if (s.instances.get(inst.uid) == null) inst.gone = true;
        continue;
      }
      AigcInstance object = s.instances.get(inst.uid);
      c.expect(object != null, 5, inst + " vanished although nobody deleted it");
      if (object == null) {
        inst.deleted = true;
        inst.gone = true;
        continue;
      }
      var status = object.getStatus();
      Integer id = status == null ? null : status.getInstanceId();
      // 6: the ID, once set, stays
      if (inst.id != null) c.expect(inst.id.equals(id), 6, inst + " had instanceId " + inst.id + ", now " + id);
      if (id != null) holders.computeIfAbsent(id, k -> new ArrayList<>()).add(inst);
      PersistentVolumeClaim pvc = id == null || status.getVolumeClaim() == null ? null : s.disks.get(status.getVolumeClaim());
      if (pvc != null) {
        // 2: the same disk all its life; 4: never a disk another owner had
        String uid = pvc.getMetadata().getUid();
        if (inst.diskUid != null) {
          c.expect(inst.diskUid.equals(uid), 2, inst + "'s disk " + pvc.getMetadata().getName() + " was UID " + inst.diskUid + ", now " + uid);
        }
        Disk disk = disks.get(uid);
        if (disk != null && disk.instanceUid != null && !disk.instanceUid.equals(inst.uid)) {
          Inst before = instances.get(disk.instanceUid);
          c.expect(before == null || before.owner.equals(inst.owner), 4,
              inst + " got disk " + pvc.getMetadata().getName() + " of " + before + ", another owner's");
          c.expect(before == null || before.deleted, 1, inst + " and " + before + " share disk " + pvc.getMetadata().getName());
        }
        diskUsers.put(uid, inst);
        if (inst.diskUid == null) inst.diskUid = uid;
      }
      if (inst.id == null && id != null) {
        inst.id = id;
        newlyAllocated.add(inst);
      }
    }
    // 1: one instance per ID
    holders.forEach((id, list) -> c.expect(list.size() == 1, 1, "ID " + id + " is held by " + list));

    expectDisksKept(c, s, diskUsers);
    expectReturningOwners(c, newlyAllocated);

    retainedAtLastCheck = retainedDisks();
    templateRetentionsSinceSettle.clear();
    templateRetentionsSinceSettle.addAll(templateRetentions());
  }

  /** 3 and 4: disks go only on purpose and stay with their owner. */
  private void expectDisksKept(Checks c, Snapshot s, Map<String, Inst> diskUsers) {
    Set<String> present = s.disks.values().stream().map(d -> d.getMetadata().getUid()).collect(Collectors.toSet());
    for (Disk disk : disks.values()) {
      if (disk.gone || present.contains(disk.uid)) continue;
      disk.gone = true;
      Inst holder = disk.instanceUid == null ? null : instances.get(disk.instanceUid);
      if (holder != null && holder.deleted && !holder.fates.contains(DataRetention.Delete)) {
        // a retained disk may have gone back to its owner's next instance, which was deleted with
        // retention Delete before a check could see it on that disk
        String owner = holder.owner;
        Inst taker = instances.values().stream()
            .filter(i -> i.deleted && i.diskUid == null && i.owner.equals(owner) && i.fates.contains(DataRetention.Delete))
            .findFirst().orElse(null);
        if (taker != null) {
          taker.diskUid = disk.uid;
          holder = taker;
        }
      }
      c.expect(holder != null && holder.deleted && holder.fates.contains(DataRetention.Delete), 3,
          "disk " + disk.name + " (owner " + disk.owner + ", of " + holder + ") vanished"
              + (holder == null ? "" : holder.deleted ? " after a deletion with retention " + holder.fates : " while its instance lives"));
      if (holder != null && holder.fates.size() > 1) holder.fates.retainAll(Set.of(DataRetention.Delete));
    }
    for (PersistentVolumeClaim pvc : s.disks.values()) {
      String uid = pvc.getMetadata().getUid();
      String name = pvc.getMetadata().getName();
      Map<String, String> annotations = annotations(pvc);
      String owner = annotations.get(OWNER);
      Disk disk = disks.computeIfAbsent(uid, u -> new Disk(u, name));
      if (disk.owner != null) c.expect(disk.owner.equals(owner), 4, "disk " + name + " changed owner from " + disk.owner + " to " + owner);
      else disk.owner = owner;

      Inst user = diskUsers.get(uid);
      if (user != null) {
        disk.instanceUid = user.uid;
        continue;
      }
      // not in use: the retained disk of a deleted instance whose retention kept it (or of one waiting for its ID)
      if (disk.instanceUid == null) disk.instanceUid = attribute(annotations);
      Inst holder = disk.instanceUid == null ? null : instances.get(disk.instanceUid);
      if (holder == null) continue;
      if (holder.deleted) {
        c.expect(holder.fates.contains(DataRetention.Retain), 3,
            "disk " + name + " of " + holder + " survived its deletion with retention Delete");
        if (holder.fates.size() > 1) holder.fates.retainAll(Set.of(DataRetention.Retain));
        c.expect(holder.owner.equals(owner), 4, "retained disk " + name + " of " + holder + " has " + OWNER + "=" + owner);
      } else {
        c.expect(holder.diskUid == null || holder.diskUid.equals(uid), 3,
            "disk " + name + " belongs to " + holder + ", which uses another disk (an orphan)");
      }
    }
  }

  /** The model instance a disk not in use belongs to, by its stamp, else by a deletion of its owner's whose disk the model never saw. */
  private String attribute(Map<String, String> annotations) {
    String uid = annotations.get(INSTANCE_UID);
    if (uid != null && instances.containsKey(uid)) return uid;
    String owner = annotations.get(OWNER);
    if (owner == null) return null;
    return instances.values().stream()
        .filter(i -> i.deleted && i.owner.equals(owner) && i.diskUid == null
            && disks.values().stream().noneMatch(d -> i.uid.equals(d.instanceUid)))
        .map(i -> i.uid).findFirst().orElse(null);
  }

  /** 4: an owner with retained disks who installs again gets one of them back. */
  private void expectReturningOwners(Checks c, List<Inst> newlyAllocated) {
    Map<String, List<Inst>> byOwner = newlyAllocated.stream().collect(Collectors.groupingBy(i -> i.owner));
    byOwner.forEach((owner, news) -> {
      Set<String> retained = retainedAtLastCheck.getOrDefault(owner, Set.of());
      long back = news.stream().filter(i -> i.diskUid != null && retained.contains(i.diskUid)).count();
      long expected = Math.min(news.size(), retained.size());
      c.expect(back >= expected, 4, owner + " installed " + news + " and got " + back + " of her " + retained.size()
          + " retained disk(s) back; expected " + expected + " (got " + news.stream().map(i -> "ID " + i.id).toList() + ")");
    });
  }

  /** Per owner, the disks that exist for her with no live instance on them. */
  private Map<String, Set<String>> retainedDisks() {
    Map<String, Set<String>> result = new HashMap<>();
    Set<String> inUse = instances.values().stream().filter(i -> !i.deleted && i.diskUid != null).map(i -> i.diskUid).collect(Collectors.toSet());
    for (Disk disk : disks.values()) {
      if (disk.gone || inUse.contains(disk.uid)) continue;
      Inst holder = disk.instanceUid == null ? null : instances.get(disk.instanceUid);
      String owner = holder != null ? holder.owner : disk.owner;
      if (owner != null && (holder == null || holder.deleted)) result.computeIfAbsent(owner, o -> new HashSet<>()).add(disk.uid);
    }
    return result;
  }

  private static Map<String, String> annotations(PersistentVolumeClaim pvc) {
    return pvc.getMetadata().getAnnotations() == null ? Map.of() : pvc.getMetadata().getAnnotations();
  }

  // ---------------------------------------------------------------------------------------------

  private AigcInstance instanceObject(String uid) {
    return kubectl.resources(AigcInstance.class).inNamespace(NS).list().getItems().stream()
        .filter(i -> i.getMetadata().getUid().equals(uid)).findFirst().orElse(null);
  }

  private static String describe(AigcInstance object) {
    if (object == null) return "gone";
    var status = object.getStatus();
    return "phase " + (status == null ? null : status.getPhase()) + ", finalizers " + object.getMetadata().getFinalizers()
        + ", " + (status == null ? "no status" : conditions(status.getConditions()));
  }

  private static boolean isTrue(List<Condition> conditions, String type) {
    return conditions != null && conditions.stream().anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static boolean isReady(GameServer gs) {
    return gs != null && gs.getStatus() != null && "Ready".equals(gs.getStatus().getCurrentState());
  }

  private static String conditions(List<Condition> conditions) {
    if (conditions == null || conditions.isEmpty()) return "no conditions";
    return conditions.stream().map(c -> c.getType() + "=" + c.getStatus() + " (" + c.getReason() + ")").collect(Collectors.joining(", "));
  }

  private static Integer idOf(String name, String prefix) {
    if (!name.startsWith(prefix)) return null;
    String rest = name.substring(prefix.length());
    if (rest.isEmpty() || rest.length() > 9 || !rest.chars().allMatch(Character::isDigit)) return null;
    return Integer.parseInt(rest);
  }

  @Override
  public void close() throws Exception {
    stopOperator();
    cluster.close();
  }
}
