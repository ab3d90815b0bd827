package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.FixedSeedMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;

/**
 * Random sequences of what users, admins and bad luck do (installs, stops, starts, deletions with
 * each retention, a name taken again by another owner, template edits, the template made invalid,
 * stripped of spec.dedicated, deleted and applied again, the GameServerSet deleted, statuses lost,
 * operator restarts, 409 and 422 on the operator's writes), checked against a model after every few
 * actions: see {@link OwnershipRun} for the invariants.
 *
 * <p>A fixed seed, so that the build is repeatable. Each sequence runs on a mock cluster of its own,
 * a few side by side (they mostly wait on the operator's rate limits and retries); shrinking is off
 * because one shrinking step costs a whole try, and a failure prints the whole sequence instead.
 * Longer runs with new seeds: {@code bench/ownership.sh}.
 *
 * <p>Size: 3 tries of 3 sequences of 14 batches make about 300 actions and 126 convergence checks,
 * about two minutes on a 2-core machine; the first sequence to fail stops the others.
 */
class OwnershipModelIT {
  static final int TRIES = 3;
  /** Sequences per try, each on its own cluster, run at the same time. */
  static final int SEQUENCES = 3;
  /** Batches of one to four actions (2.5 on average), each followed by a convergence check. */
  static final int BATCHES = 14;

  @Property(tries = TRIES, seed = "20250601", shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE,
      whenFixedSeed = FixedSeedMode.ALLOW, afterFailure = AfterFailureMode.PREVIOUS_SEED)
  void ownershipHoldsWhateverHappens(@ForAll("sequences") List<List<OwnershipAction>> sequences) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(sequences.size());
    try {
      List<Future<String>> results = new ArrayList<>();
      AtomicBoolean failed = new AtomicBoolean();
      for (List<OwnershipAction> sequence : sequences) results.add(pool.submit(() -> play(sequence, failed)));
      List<String> failures = new ArrayList<>();
      for (Future<String> result : results) {
        String failure = result.get();
        if (failure != null) failures.add(failure);
      }
      if (!failures.isEmpty()) fail(String.join("\n\n", failures));
    } finally {
      pool.shutdownNow();
    }
  }

  /** Plays one sequence on a cluster of its own, until another fails; returns what went wrong, or null. */
  private static String play(List<OwnershipAction> sequence, AtomicBoolean failed) throws Exception {
    long start = System.nanoTime();
    try (OwnershipRun run = new OwnershipRun()) {
      for (OwnershipAction action : sequence) {
        if (failed.get()) return null;
        List<String> violations = run.apply(action);
        if (!violations.isEmpty()) {
          failed.set(true);
          return "after these steps:\n" + run.history() + "\nviolated:\n  " + String.join("\n  ", violations);
        }
      }
      System.out.printf("OwnershipModelIT sequence: %d actions, %d convergence checks, %d invariant checks, %.1f s%n",
          run.actions(), run.settles(), run.checks(), (System.nanoTime() - start) / 1e9);
      return null;
    }
  }

  @Provide
  Arbitrary<List<List<OwnershipAction>>> sequences() {
    return OwnershipAction.sequences(BATCHES).list().ofSize(SEQUENCES);
  }
}
