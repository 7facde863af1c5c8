#!/usr/bin/env bash
# The whole fault matrix: every writing command killed at every one of its steps (npm test kills at a sample of them).
# Called by .ci/run after npm test; needs the built CLI (npm run build) and the test world's programs.
set -euo pipefail
cd "$(dirname "$0")/.."
NGCERT_FAULT_MATRIX=full npx vitest run test/e2e/faults/kill-hooks.test.ts test/e2e/faults/kill-sites.test.ts
