#!/usr/bin/env bash
# Hosting scale in the test world: 1,000 lineages (2,000 names) served by one real nginx, through verify, the post
# hook, doctor and the watcher's full check, with no false problem and the unserved names still reported.
# `npm test` runs the same file with 400 lineages and without doctor and the watcher; .ci/run runs this too.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build
NGCERT_TEST_SCALE=full npx vitest run test/e2e/hosting-scale.test.ts
