#!/usr/bin/env bash
# Convergence benchmark: N instances (default 2000) over M templates (default 20) on the mock API
# server with the OKG simulator, created at once (or, with "seed", stored converged before the
# operator starts), then a burst of B more installs (default min(1000, max(100, N/2))) at
# BENCH_RATE per second (default 100). Prints the operator's own CPU time, writes per instance by
# kind and while idle, start latency p50/p99, retained heap, each against a baseline run in the same
# JVM. See bench/README.md.
#   bench/convergence.sh [N] [M] [B] [create|seed]
# Environment: BENCH_RATE, BENCH_IDLE_SECONDS (10), BENCH_WARMUP (300 instances), BENCH_SAMPLES
# (request bodies to print per write kind), BENCH_HEAP (-Xmx, default 2g), BENCH_TIMEOUT (seconds, 540).
set -euo pipefail
cd "$(dirname "$0")/.."
exec ./mvnw -q -B -Pbench test-compile -Dbench.instances="${1:-2000}" -Dbench.templates="${2:-20}" \
  -Dbench.arg3="${3:--}" -Dbench.arg4="${4:-create}" -Dbench.heap="${BENCH_HEAP:-2g}"
