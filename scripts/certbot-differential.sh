#!/usr/bin/env bash
# The big differential run: ngcert's reading of certbot's state against certbot itself (configobj, certbot
# certificates/renew, certbot with Pebble), and the DER reader against node:crypto and @peculiar/x509, on many more
# generated cases than the sample `npm test` runs. NGCERT_DIFF_SEED=n replays a run; each suite prints its case and
# disagreement counts ("certbot differential: ..."). Needs certbot, nginx and Pebble (see .ci/run); run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/cli.js ] || npm run build
export NGCERT_DIFFERENTIAL=full
exec npx vitest run --reporter=default \
  test/certbot/configobj-differential.test.ts \
  test/certbot/lineage-differential.test.ts \
  test/certbot/certbot-world.test.ts \
  test/certs/der-differential.test.ts \
  test/certs/nginx-refusal.test.ts \
  "$@"
