#!/usr/bin/env bash
# Auth benchmark: the front nginx (one worker, server blocks and auth annotations as ingress-nginx and
# the operator render them) asking the gateway's /auth, against the same front asking a second nginx
# that answers 204 (a third nginx serves the instances' stub for both); wrk at 1, 16 and 64 connections,
# 1,000 users and instances. See bench/README.md.
# Usage: bench/auth.sh [seconds per run, default 3] [repeats, default 3] [pinned (default) or shared CPUs]
# Needs nginx and wrk (Debian: apt-get install nginx-light wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
exec ./mvnw -q -B -Pbench test-compile -Dbench.main=dev.aigc.operator.bench.AuthBench -Dbench.arg1="${1:-3}" -Dbench.arg2="${2:-3}" -Dbench.arg3="${3:-pinned}" -Dbench.gc=-XX:+UseSerialGC
