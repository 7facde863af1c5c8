#!/usr/bin/env bash
# How the cluster's distribution scales with nodes × lineages (the README's table): for each cluster size, lineages
# made on the issuer and timed through `ngcert cluster sync`: the first push, a sync with nothing to do, one lineage
# renewed, every lineage renewed. Needs what scripts/cluster-e2e.sh needs.
# Usage: scripts/cluster-scale.sh [--nodes 3,5] [--lineages 1,20,100]
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build >/dev/null
npx tsx test/e2e/cluster-world/scale.ts "$@"
