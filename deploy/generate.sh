#!/usr/bin/env bash
# Renders the Helm chart with its default values into plain manifests for kubectl apply users.
# ChartTest fails when deploy/aigc-operator.yaml differs from what this prints.
# Needs helm 3 on the PATH (.ci/run installs one).
set -euo pipefail
cd "$(dirname "$0")/.."
helm template aigc-operator helm/aigc-operator --namespace aigc-system --include-crds \
  --set gateway.oidc.existingSecret=aigc-operator-oidc > deploy/aigc-operator.yaml
