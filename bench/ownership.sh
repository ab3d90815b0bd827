#!/usr/bin/env bash
# Ownership model, longer than OwnershipModelIT: random actions (installs, stops, starts, deletions,
# names reused by other owners, template edits, deletions and re-applies, GameServerSet deletions, lost
# statuses, operator restarts, injected 409/422) with the invariants checked after every batch.
# Args: number of actions (default 500), seed (default random; give one to replay), seconds a batch may
# take to settle (default 30). Prints the seed, actions run, checks made and every kind of violation.
# See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
exec ./mvnw -q -B -Pbench test-compile -Dbench.main=dev.aigc.operator.bench.OwnershipBench \
  -Dbench.arg1="${1:-500}" -Dbench.arg2="${2:-random}" -Dbench.arg3="${3:-30}"
