#!/usr/bin/env bash
# Runs again, as the unprivileged user `nobody`, the test files that skip tests when run as root (permission checks
# that root passes regardless: an unreadable letsencrypt dir, a read-only cache dir, a lock only root may take). CI
# runs as root, so .ci/run calls this after `npm test`; the files run on a copy of the checkout that nobody owns.
# Usage (as root, after `npm run build`): scripts/test-unprivileged.sh [vitest options]
set -euo pipefail

cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "test-unprivileged: run as root (it switches to nobody); as another user, run npx vitest directly" >&2; exit 2; }
[ -f dist/cli.js ] || { echo "test-unprivileged: dist/cli.js is missing: run npm run build first" >&2; exit 2; }

# Files with a test skipped under root: skipIf(isRoot), skipIf(asRoot) or skipIf(process.getuid?.() === 0).
mapfile -t files < <(grep -rlE 'skipIf\((isRoot|asRoot|process\.getuid\?\.\(\) === 0)\)' test --include='*.test.ts' | sort)
if [ "${#files[@]}" -eq 0 ]; then
  echo "test-unprivileged: no test file skips tests as root" >&2
  exit 0
fi
echo "test-unprivileged: running as nobody: ${files[*]}" >&2

user=nobody
group=$(id -gn "$user")
copy=$(mktemp -d /tmp/ngcert-unprivileged.XXXXXX)
trap 'rm -rf "$copy"' EXIT
tar --exclude=./.git --exclude=./coverage -cf - . | tar -xf - -C "$copy"
chown -R "$user:$group" "$copy"

cd "$copy"
setpriv --reuid="$user" --regid="$group" --init-groups --inh-caps=-all \
  env -i PATH="$PATH" HOME="$copy" CI="${CI:-true}" LANG=C.UTF-8 \
  ./node_modules/.bin/vitest run "${files[@]}" "$@"
