package dev.aigc.operator.bench;

import dev.aigc.operator.reconcile.OwnershipAction;
import dev.aigc.operator.reconcile.OwnershipRun;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.sessions.JqwikSession;

/**
 * The ownership model of {@code OwnershipModelIT} for longer: random actions on one mock cluster
 * with the OKG simulator and the operator, the invariants checked after every batch, with a random
 * seed (or a given one, to replay). It goes on after a violation, so that one run shows every kind
 * of violation it meets; each kind is printed once, with the actions up to its first check.
 *
 * <p>Run: {@code bench/ownership.sh [actions] [seed] [settle-seconds]}.
 */
public final class OwnershipBench {
  public static void main(String[] args) throws Exception {
    int wanted = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    long seed = args.length > 1 && !args[1].isBlank() && !"random".equals(args[1]) ? Long.parseLong(args[1]) : new Random().nextLong();
    Duration settle = args.length > 2 && !args[2].isBlank() ? Duration.ofSeconds(Long.parseLong(args[2])) : OwnershipRun.SETTLE_TIMEOUT;
    System.out.printf(Locale.ROOT, "seed=%d actions=%d settle_timeout_seconds=%d%n", seed, wanted, settle.toSeconds());

    Random random = new Random(seed);
    // jqwik's generators need a session outside a property
    JqwikSession.start(Long.toString(seed));
    Map<String, String> firstByKind = new LinkedHashMap<>();
    Map<String, Integer> countByKind = new LinkedHashMap<>();
    long start = System.nanoTime();
    try (OwnershipRun run = new OwnershipRun(settle)) {
      while (run.actions() < wanted) {
        // ten batches at a time, each ending with a check, from the test's generator driven by this seed
        List<OwnershipAction> batch = OwnershipAction.sequences(10).generator(1000).next(random).value();
        for (OwnershipAction action : batch) {
          List<String> violations = run.apply(action);
          for (String violation : violations) {
            String kind = kindOf(violation);
            countByKind.merge(kind, 1, Integer::sum);
            firstByKind.computeIfAbsent(kind, k -> violation + "\n  first after:\n" + indent(tail(run.history(), 60)));
          }
          if (run.actions() >= wanted && action instanceof OwnershipAction.Settle) break;
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf(Locale.ROOT, "seed=%d actions_run=%d convergence_checks=%d invariant_checks=%d seconds=%.1f%n",
          seed, run.actions(), run.settles(), run.checks(), seconds);
    }
    JqwikSession.finish();
    if (firstByKind.isEmpty()) {
      System.out.println("violations=0");
    } else {
      System.out.printf(Locale.ROOT, "violations=%d of %d kinds%n", countByKind.values().stream().mapToInt(i -> i).sum(), firstByKind.size());
      List<String> kinds = new ArrayList<>(firstByKind.keySet());
      for (String kind : kinds) {
        System.out.printf(Locale.ROOT, "%n[%dx] %s%n", countByKind.get(kind), firstByKind.get(kind));
      }
    }
    System.exit(firstByKind.isEmpty() ? 0 : 1);
  }

  /** The last lines of a long history; the seed replays the rest. */
  private static String tail(String history, int lines) {
    String[] all = history.split("\n");
    if (all.length <= lines) return history;
    return "(" + (all.length - lines) + " earlier lines: replay the seed to see them)\n"
        + String.join("\n", java.util.Arrays.copyOfRange(all, all.length - lines, all.length));
  }

  /** A violation without names, UIDs and numbers, to group the same kind of failure. */
  static String kindOf(String violation) {
    return violation
        .replaceAll("sd-[a-z] \\([a-z]+, uid \\.\\.\\.[0-9a-f]+\\)", "<instance>")
        .replaceAll("\\b(alice|bob|carol)\\b", "<owner>")
        .replaceAll("\\[[^\\]]*\\]", "[..]")
        .replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "<uid>")
        .replaceAll("\\d+", "#");
  }

  private static String indent(String text) {
    return "    " + text.replace("\n", "\n    ");
  }
}
