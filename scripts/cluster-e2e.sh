#!/usr/bin/env bash
# The whole cluster suite (test/e2e/cluster-full.test.ts): three nginx nodes in network namespaces, each with its own
# address and sshd, behind an nginx stream balancer that Pebble validates through; renewal under load, a node down,
# etcd's hand-over with orders counted in Pebble's log. `npm test` runs the two-node sample (test/e2e/cluster.test.ts).
# Needs root and the Debian packages openssh-server, etcd-server and libnginx-mod-stream (besides nginx certbot
# pebble); about 5 minutes on 2 cores. Leaves no namespace, veth, bridge or process behind, even when it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/cli.js ] || npm run build
NGCERT_CLUSTER=all npx vitest run test/e2e/cluster-full.test.ts "$@"
