package dev.aigc.operator.reconcile;

import dev.aigc.operator.api.DataRetention;
import dev.aigc.operator.api.InstanceState;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * What users, admins, GitOps tools and bad luck do to one template's instances, for {@link OwnershipRun}.
 * Names and owners come from small pools so that they collide: a name comes back with another owner,
 * an owner comes back after deleting.
 */
public sealed interface OwnershipAction {
  List<String> NAMES = List.of("sd-a", "sd-b", "sd-c");
  List<String> OWNERS = List.of("alice", "bob", "carol");

  /** A user installs the template under this name (skipped while the name is taken). */
  record Install(String name, String owner) implements OwnershipAction {
    @Override public String toString() { return "install " + name + " by " + owner; }
  }

  record SetState(String name, InstanceState state) implements OwnershipAction {
    @Override public String toString() { return (state == InstanceState.Stopped ? "stop " : "start ") + name; }
  }

  /** Deletes the instance; with a retention, sets spec.dataRetention first, else the template's applies. */
  record Delete(String name, DataRetention retention) implements OwnershipAction {
    @Override public String toString() { return "delete " + name + " (" + (retention == null ? "template's retention" : retention) + ")"; }
  }

  /** Deletes the instance, waits until it is gone, and installs the same name as another owner. */
  record ReinstallAsOther(String name, String owner, DataRetention retention) implements OwnershipAction {
    @Override public String toString() {
      return "delete " + name + " (" + (retention == null ? "template's retention" : retention) + "), then install it again by " + owner + " or the next other owner";
    }
  }

  /**
   * An admin edits the template: image tag, an env var, spec.dedicated.dataRetention ("unset" too), or
   * its shape: VALID, INVALID (a host without {@code <id>}, refused by the operator) or NO_DEDICATED
   * (shared only, in a cluster without Knative).
   */
  record EditTemplate(TemplateChange change, String value) implements OwnershipAction {
    @Override public String toString() { return "edit template " + change + "=" + value; }
  }

  enum TemplateChange { IMAGE, ENV, RETENTION, SHAPE }

  enum TemplateShape { VALID, INVALID, NO_DEDICATED }

  /** The template is deleted (garbage collection takes its GameServerSet and the pods). */
  record DeleteTemplate() implements OwnershipAction {
    @Override public String toString() { return "delete template"; }
  }

  /** The template is applied again when it is missing. */
  record ApplyTemplate() implements OwnershipAction {
    @Override public String toString() { return "apply template"; }
  }

  /** A GitOps tool replaces the template: deleted and created again at once. */
  record RecreateTemplate() implements OwnershipAction {
    @Override public String toString() { return "delete and re-apply template"; }
  }

  /** kubectl delete gss: the set goes, and with it OKG's workload and the pods. */
  record DeleteGameServerSet() implements OwnershipAction {
    @Override public String toString() { return "delete GameServerSet"; }
  }

  /** The instance's status is lost (a restore from backup, a migration). */
  record WipeStatus(String name) implements OwnershipAction {
    @Override public String toString() { return "wipe status of " + name; }
  }

  record RestartOperator() implements OwnershipAction {
    @Override public String toString() { return "restart operator"; }
  }

  /** The operator stops; it starts again with a StartOperator, or before the next convergence check. */
  record StopOperator() implements OwnershipAction {
    @Override public String toString() { return "stop operator"; }
  }

  record StartOperator() implements OwnershipAction {
    @Override public String toString() { return "start operator"; }
  }

  /** The operator's next write of this kind is answered with this 4xx. */
  record Fault(FaultTarget target, int code) implements OwnershipAction {
    @Override public String toString() { return "inject " + code + " on the operator's next " + target.description; }
  }

  enum FaultTarget {
    GSS_PUT("PUT", "/gameserversets/", "GameServerSet PUT"),
    GSS_PATCH("PATCH", "/gameserversets/", "GameServerSet PATCH"),
    PVC_POST("POST", "/persistentvolumeclaims", "PVC POST"),
    PVC_PUT("PUT", "/persistentvolumeclaims/", "PVC PUT"),
    PVC_PATCH("PATCH", "/persistentvolumeclaims/", "PVC PATCH"),
    PVC_DELETE("DELETE", "/persistentvolumeclaims/", "PVC DELETE");

    final String method;
    final String pathPart;
    final String description;

    FaultTarget(String method, String pathPart, String description) {
      this.method = method;
      this.pathPart = pathPart;
      this.description = description;
    }
  }

  /** Waits until everything has settled, then checks the invariants. */
  /** Nobody uses anything for longer than the template's idle limit: the operator's clock jumps past it. */
  record GoIdle() implements OwnershipAction {
    @Override public String toString() { return "everyone goes idle (the clock jumps 9 h)"; }
  }

  /** The owner opens the instance: the gateway publishes status.lastActivity, which wakes a suspended one. */
  record Open(String name) implements OwnershipAction {
    @Override public String toString() { return "open " + name; }
  }

  record Settle() implements OwnershipAction {
    @Override public String toString() { return "-- settle and check --"; }
  }

  /**
   * {@code batches} batches of one to four actions, each followed by a {@link Settle}: a few things
   * happen at once, then the cluster must settle and the invariants hold.
   */
  static Arbitrary<List<OwnershipAction>> sequences(int batches) {
    return action().list().ofMinSize(1).ofMaxSize(4).list().ofSize(batches).map(list -> {
      List<OwnershipAction> flat = new java.util.ArrayList<>();
      for (List<OwnershipAction> batch : list) {
        flat.addAll(batch);
        flat.add(new Settle());
      }
      return flat;
    });
  }

  /** One action; the weights favour what users do most. */
  static Arbitrary<OwnershipAction> action() {
    Arbitrary<String> names = Arbitraries.of(NAMES);
    Arbitrary<String> owners = Arbitraries.of(OWNERS);
    Arbitrary<DataRetention> retentions = Arbitraries.of(DataRetention.Retain, DataRetention.Delete).injectNull(0.34);
    return Arbitraries.frequencyOf(
        Tuple.of(12, Combinators.combine(names, owners).as(Install::new)),
        Tuple.of(5, names.map(n -> new SetState(n, InstanceState.Stopped))),
        Tuple.of(5, names.map(n -> new SetState(n, InstanceState.Running))),
        Tuple.of(6, Combinators.combine(names, retentions).as(Delete::new)),
        Tuple.of(3, Combinators.combine(names, owners, retentions).as(ReinstallAsOther::new)),
        Tuple.of(2, Arbitraries.of("v1.0.0-cpu", "v1.0.1-cpu").map(v -> new EditTemplate(TemplateChange.IMAGE, v))),
        Tuple.of(2, Arbitraries.of("one", "two", "three").map(v -> new EditTemplate(TemplateChange.ENV, v))),
        Tuple.of(2, Arbitraries.of("Retain", "Delete", "unset").map(v -> new EditTemplate(TemplateChange.RETENTION, v))),
        Tuple.of(2, Arbitraries.of("INVALID", "NO_DEDICATED", "VALID", "VALID").map(v -> new EditTemplate(TemplateChange.SHAPE, v))),
        Tuple.of(1, Arbitraries.just(new DeleteTemplate())),
        Tuple.of(2, Arbitraries.just(new ApplyTemplate())),
        Tuple.of(1, Arbitraries.just(new RecreateTemplate())),
        Tuple.of(2, Arbitraries.just(new DeleteGameServerSet())),
        Tuple.of(2, names.map(WipeStatus::new)),
        Tuple.of(2, Arbitraries.just(new RestartOperator())),
        Tuple.of(1, Arbitraries.just(new StopOperator())),
        Tuple.of(1, Arbitraries.just(new StartOperator())),
        Tuple.of(3, Combinators.combine(Arbitraries.of(FaultTarget.class), Arbitraries.of(409, 422)).as(Fault::new)),
        Tuple.of(2, Arbitraries.just(new GoIdle())),
        Tuple.of(3, names.map(Open::new)));
  }
}
