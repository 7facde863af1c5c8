#!/usr/bin/env bash
# The whole nginx corpus (fixtures/nginx-corpus) in the test world: every case through ngcert doctor, doctor --fix and
# migrate, each name's verdict compared with Pebble's. `npm test` runs four of the cases; .ci/run runs this too.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build
NGCERT_CORPUS=all npx vitest run test/e2e/corpus-full.test.ts
