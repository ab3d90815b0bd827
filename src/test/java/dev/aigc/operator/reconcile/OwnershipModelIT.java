package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.fail;

import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.FixedSeedMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;

/**
 * Random sequences of what users, admins and bad luck do (installs, stops, starts, deletions with
 * each retention, a name taken again by another owner, template edits, the template deleted and
 * applied again, the GameServerSet deleted, statuses lost, operator restarts, 409 and 422 on the
 * operator's writes), checked against a model after every few actions: see {@link OwnershipRun} for
 * the invariants.
 *
 * <p>A fixed seed, so that the build is repeatable; each try starts a mock cluster, so shrinking is
 * off (one shrinking step costs a whole try) and a failure prints the whole sequence instead. Longer
 * runs with other seeds: {@code bench/ownership.sh}.
 */
class OwnershipModelIT {
  static final int TRIES = 6;
  /** Batches of one to four actions (2.5 on average), each followed by a convergence check. */
  static final int BATCHES_PER_TRY = 20;

  @Property(tries = TRIES, seed = "20250601", shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE,
      whenFixedSeed = FixedSeedMode.ALLOW)
  void ownershipHoldsWhateverHappens(@ForAll("sequences") List<OwnershipAction> sequence) throws Exception {
    try (OwnershipRun run = new OwnershipRun()) {
      for (OwnershipAction action : sequence) {
        List<String> violations = run.apply(action);
        if (!violations.isEmpty()) {
          fail("after these steps:\n" + run.history() + "\nviolated:\n  " + String.join("\n  ", violations));
        }
      }
      System.out.printf("OwnershipModelIT try: %d actions, %d checks of the invariants, %d individual checks%n",
          run.actions(), run.settles(), run.checks());
    }
  }

  @Provide
  Arbitrary<List<OwnershipAction>> sequences() {
    return OwnershipAction.sequences(BATCHES_PER_TRY);
  }
}
