#!/usr/bin/env bash
# Sets a fresh Debian/Ubuntu server up for ngcert: packages, Node.js check, build, install.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
say() { printf 'install.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root: sudo ./install.sh"

# nginx and certbot are what ngcert drives; pebble is the local test CA for `npm test`.
missing=()
command -v nginx >/dev/null 2>&1 || missing+=(nginx)
command -v certbot >/dev/null 2>&1 || missing+=(certbot)
{ command -v pebble >/dev/null 2>&1 && command -v pebble-challtestsrv >/dev/null 2>&1; } || missing+=(pebble)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} from the distribution"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

command -v node >/dev/null 2>&1 || die "Node.js is not installed: ngcert needs Node.js 20.19 or newer (Debian 13: apt-get install nodejs)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node.js $(node --version) is too old: ngcert needs 20.19 or newer"

cd "$here"
say "installing npm dependencies and building"
npm ci --no-audit --no-fund >/dev/null
npm run -s build

install -d -m 755 /usr/local/lib/ngcert
install -m 755 dist/cli.js /usr/local/lib/ngcert/cli.js
ln -sfn /usr/local/lib/ngcert/cli.js /usr/local/bin/ngcert
say "installed ngcert $(/usr/local/bin/ngcert --version) as /usr/local/bin/ngcert"
