#!/usr/bin/env bash
# Convergence benchmark: N instances (default 2000) over M templates (default 20), created at once on
# the mock API server with the OKG simulator. Prints seconds to converge, the storage baseline and
# their ratio, API writes per instance (by kind), and peak heap. See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
exec ./mvnw -q -B -Pbench test-compile -Dbench.instances="${1:-2000}" -Dbench.templates="${2:-20}"
