#!/usr/bin/env bash
# Auth benchmark: nginx with auth_request to the gateway's /auth against nginx with auth_request to a
# 204 location, 64 connections, 1,000 users and instances; then /auth latency. See bench/README.md.
# Needs nginx and wrk (Debian: apt-get install nginx-light wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
exec ./mvnw -q -B -Pbench test-compile -Dbench.main=dev.aigc.operator.bench.AuthBench -Dbench.arg1="${1:-10}" -Dbench.arg2=unused
