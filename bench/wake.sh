#!/usr/bin/env bash
# Wake latency benchmark (issue 12): N instances (default 50) of the idle demo template running on
# the mock API server with the OKG simulator, suspended (the operator's clock moved past the limit),
# then woken one by one at random moments by writing status.lastActivity as the gateway does; each
# timed from that write to the GameServerSet no longer reserving its ID (a watch), next to a
# baseline of N plain starts (spec.state Stopped -> Running) interleaved with them. See bench/README.md.
#   bench/wake.sh [N] [mean gap ms, 100] [seed, 1]
# Environment: BENCH_TIMEOUT (seconds, 300).
set -euo pipefail
cd "$(dirname "$0")/.."
exec ./mvnw -q -B -Pbench test-compile -Dbench.main=dev.aigc.operator.bench.WakeBench \
  -Dbench.arg1="${1:-50}" -Dbench.arg2="${2:-100}" -Dbench.arg3="${3:-1}" -Dbench.heap=1g
