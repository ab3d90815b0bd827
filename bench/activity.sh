#!/usr/bin/env bash
# Activity benchmark: writes of status.lastActivity per instance-hour (100 instances, one simulated
# hour, two gateway replicas) against a write per request, and /auth latency with activity recording
# on vs off in one JVM. See bench/README.md.
# Usage: bench/activity.sh [seconds per run, default 3] [repeats, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
exec ./mvnw -q -B -Pbench test-compile -Dbench.main=dev.aigc.operator.bench.ActivityBench -Dbench.arg1="${1:-3}" -Dbench.arg2="${2:-5}" -Dbench.gc=-XX:+UseSerialGC
