#!/usr/bin/env bash
# Sets a fresh Debian 12/13 or Ubuntu 22.04/24.04 server up for ngcert, from a checkout of its repository:
# packages, Node.js check, build, install, /etc/ngcert/config.json, `ngcert init`, renewal schedule. Idempotent.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
  cat <<'EOF'
Usage: sudo ./install.sh [options]
       sudo ./install.sh --uninstall [--root DIR]

Installs nginx, certbot and pebble (the local test CA for `npm test` and `ngcert demo`) from the
distribution, checks Node.js >= 20.19, builds ngcert and installs it (the bundle in
/usr/local/lib/ngcert, the command as /usr/local/bin/ngcert), writes /etc/ngcert/config.json from
the options below, runs `ngcert init`, and makes sure renewal runs on a schedule (certbot's own
systemd timer or cron job; never a second one). Running it again changes only what is missing.

Settings written to /etc/ngcert/config.json:
  --email ADDR           account e-mail for Let's Encrypt (expiry notices)
  --staging              use Let's Encrypt's staging server
  --server URL           another ACME directory URL
  --webroot DIR          shared challenge webroot [/var/www/acme-challenge]
  --http-port N          HTTP port [80]
  --https-port N         HTTPS port [443]
  --listen-address ADDR  listen address [all]

Other options:
  --root DIR             install under DIR instead of / (tests, images): no packages are installed
                         and nginx is not started; every path, settings included, lives under DIR
  --no-init              do not run `ngcert init`
  --uninstall            remove what install.sh installed (packages stay; the command to remove them
                         is printed), put back the Debian default site it disabled
  -h, --help             this text
EOF
}

say() { printf 'install.sh: %s\n' "$*" >&2; }
skip() { printf 'install.sh: skipped: %s\n' "$*" >&2; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

root=""
uninstall=0
run_init=1
config_keys=()
config_values=()
set_config() { config_keys+=("$1"); config_values+=("$2"); }

while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --root) [ $# -ge 2 ] || die "--root needs a directory"; root=${2%/}; shift 2 ;;
    --uninstall) uninstall=1; shift ;;
    --no-init) run_init=0; shift ;;
    --staging) set_config staging true; shift ;;
    --email|--server|--webroot|--http-port|--https-port|--listen-address)
      [ $# -ge 2 ] || die "$1 needs a value"
      set_config "${1#--}" "$2"; shift 2 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

if [ -n "$root" ]; then
  case "$root" in /*) ;; *) root="$(pwd)/$root" ;; esac
  mkdir -p "$root"
fi
[ -n "$root" ] || [ "$(id -u)" -eq 0 ] || die "run as root: sudo ./install.sh"

lib_dir="$root/usr/local/lib/ngcert"
bin_link="$root/usr/local/bin/ngcert"
config_file="$root/etc/ngcert/config.json"
manifest="$lib_dir/install-manifest"
nginx_dir="$root/etc/nginx"
letsencrypt_dir="$root/etc/letsencrypt"
stock_site="$nginx_dir/sites-available/default"
stock_link="$nginx_dir/sites-enabled/default"

record() { printf '%s\n' "$*" >>"$manifest"; }
recorded() { [ -f "$manifest" ] && grep -qxF "$*" "$manifest"; }

# Settings for ngcert itself: under --root, every path points inside it.
ngcert_args=()
if [ -n "$root" ]; then
  ngcert_args=(--config "$config_file")
fi

run_ngcert() { node "$lib_dir/cli.js" "$@" "${ngcert_args[@]}"; }

# Is a file one that ngcert wrote and nobody edited since? (the ownership line holds the hash of the rest)
ngcert_owned_unedited() {
  local file=$1 want have
  want=$(sed -n 's/^# ngcert-owned sha256:\([0-9a-f]\{64\}\)$/\1/p' "$file" | head -n 1)
  [ -n "$want" ] || return 1
  have=$(sed '/^# ngcert-owned sha256:[0-9a-f]\{64\}$/d' "$file" | sha256sum | cut -d' ' -f1)
  [ "$want" = "$have" ]
}

nginx_running() {
  [ -z "$root" ] && pgrep -x nginx >/dev/null 2>&1
}

reload_nginx_if_running() {
  if nginx_running; then
    if nginx -t -q; then nginx -s reload && say "nginx reloaded"; else say "nginx -t fails: not reloading"; fi
  fi
}

# ---------------------------------------------------------------------------------------------- uninstall
if [ "$uninstall" -eq 1 ]; then
  [ -f "$manifest" ] || die "nothing to uninstall: $manifest does not exist"
  webroot=$(node -e 'try { process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).webroot ?? "") } catch {}' "$config_file" 2>/dev/null || true)
  webroot=${webroot:-$root/var/www/acme-challenge}
  for phase in pre deploy post; do
    hook="$letsencrypt_dir/renewal-hooks/$phase/ngcert"
    if [ -f "$hook" ]; then
      if ngcert_owned_unedited "$hook"; then rm -f "$hook"; say "removed $hook"; else say "kept $hook: edited since ngcert wrote it"; fi
    fi
  done
  for file in "$nginx_dir/conf.d/ngcert-acme.conf" "$nginx_dir/snippets/ngcert-acme.conf"; do
    if [ -f "$file" ]; then
      if ngcert_owned_unedited "$file"; then rm -f "$file"; say "removed $file"; else say "kept $file: edited since ngcert wrote it"; fi
    fi
  done
  # Directories ngcert created go too, when nothing else was put in them.
  rmdir "$webroot/.well-known/acme-challenge" "$webroot/.well-known" "$webroot" 2>/dev/null || true
  for phase in pre deploy post; do rmdir "$letsencrypt_dir/renewal-hooks/$phase" 2>/dev/null || true; done
  rmdir "$letsencrypt_dir/renewal-hooks" 2>/dev/null || true
  # ngcert's own state (its lock, interrupted-step journals, the last reload) goes with it.
  if [ -d "$letsencrypt_dir/.ngcert" ] && [ ! -L "$letsencrypt_dir/.ngcert" ]; then rm -rf "$letsencrypt_dir/.ngcert"; say "removed $letsencrypt_dir/.ngcert"; fi
  if recorded "disabled-stock-site" && [ ! -e "$stock_link" ] && [ -f "$stock_site" ]; then
    ln -s "/etc/nginx/sites-available/default" "$stock_link"
    say "re-enabled the Debian default site ($stock_link)"
  fi
  if recorded "created-config" && [ -f "$config_file" ]; then
    if [ "$(sha256sum <"$config_file" | cut -d' ' -f1)" = "$(sed -n 's/^config-sha256 //p' "$manifest" | tail -n 1)" ]; then
      rm -f "$config_file"; rmdir "$(dirname "$config_file")" 2>/dev/null || true; say "removed $config_file"
    else
      say "kept $config_file: edited since install.sh wrote it"
    fi
  fi
  packages=$(sed -n 's/^installed-package //p' "$manifest" | tr '\n' ' ')
  if recorded "created-unit"; then
    if [ -z "$root" ] && [ -d /run/systemd/system ]; then systemctl disable --now ngcert-watch.service >/dev/null 2>&1 || true; fi
    rm -f "$root/etc/systemd/system/ngcert-watch.service"
    say "removed ngcert-watch.service"
  fi
  rm -f "$bin_link" "$lib_dir/cli.js" "$manifest"
  rmdir "$lib_dir" 2>/dev/null || true
  say "removed $bin_link and $lib_dir"
  reload_nginx_if_running
  if [ -n "${packages// /}" ]; then
    say "packages install.sh installed are left in place: ${packages}(remove them with: apt-get remove ${packages% })"
  fi
  exit 0
fi

# ---------------------------------------------------------------------------------------------- packages
missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v certbot >/dev/null 2>&1 || missing+=(certbot)
{ command -v pebble >/dev/null 2>&1 && command -v pebble-challtestsrv >/dev/null 2>&1; } || missing+=(pebble)
new_packages=()
if [ ${#missing[@]} -gt 0 ]; then
  if [ -n "$root" ]; then
    skip "installing ${missing[*]} (packages are not installed under --root)"
  else
    command -v apt-get >/dev/null 2>&1 || die "${missing[*]} missing and this is not a Debian/Ubuntu system (no apt-get): install them, then run install.sh again"
    say "installing ${missing[*]} from the distribution"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    new_packages=("${missing[@]}")
  fi
fi

command -v node >/dev/null 2>&1 || die "Node.js is not installed: ngcert needs Node.js 20.19 or newer (Debian 13: apt-get install nodejs; elsewhere NodeSource or nvm)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node.js $(node --version) is too old: ngcert needs 20.19 or newer (Debian 13 ships it; elsewhere NodeSource or nvm)"

# ---------------------------------------------------------------------------------------------- build
cd "$here"
if [ ! -d node_modules ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund >/dev/null
fi
if [ ! -f dist/cli.js ] || [ -n "$(find src package.json scripts -newer dist/cli.js -print -quit)" ]; then
  say "building dist/cli.js"
  npm run -s build
fi
# Under sudo, leave the checkout usable by the person who ran it (npm test writes dist/ again).
if [ -n "${SUDO_UID:-}" ] && [ "${SUDO_UID}" != 0 ]; then
  chown -R "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" node_modules dist 2>/dev/null || true
fi

install -d -m 755 "$lib_dir" "$(dirname "$bin_link")"
touch "$manifest"
for package in "${new_packages[@]}"; do record "installed-package $package"; done
if ! cmp -s dist/cli.js "$lib_dir/cli.js"; then
  install -m 755 dist/cli.js "$lib_dir/cli.js"
  say "installed $lib_dir/cli.js"
fi
if [ "$(readlink "$bin_link" 2>/dev/null)" != "$lib_dir/cli.js" ]; then
  ln -sfn "$lib_dir/cli.js" "$bin_link"
  say "installed $bin_link"
fi

# ---------------------------------------------------------------------------------------------- config
if [ -n "$root" ]; then
  has_webroot=0
  for key in "${config_keys[@]}"; do [ "$key" = webroot ] && has_webroot=1; done
  [ "$has_webroot" -eq 1 ] || set_config webroot "$root/var/www/acme-challenge"
  set_config letsencrypt-dir "$letsencrypt_dir"
  set_config certbot-work-dir "$root/var/lib/letsencrypt"
  set_config certbot-logs-dir "$root/var/log/letsencrypt"
  set_config nginx-dir "$nginx_dir"
  set_config cache-dir "$root/var/cache/ngcert"
fi
# The options given now are merged into what the file already holds (a re-run with --email keeps --staging).
pairs=()
for i in "${!config_keys[@]}"; do pairs+=("${config_keys[$i]}" "${config_values[$i]}"); done
new_config=$(node -e '
  const [file, ...pairs] = process.argv.slice(1);
  let config = {};
  try { config = JSON.parse(require("fs").readFileSync(file, "utf8")); } catch (e) { if (e.code !== "ENOENT") { console.error(`${file}: ${e.message}`); process.exit(1); } }
  for (let i = 0; i < pairs.length; i += 2) {
    const [key, value] = [pairs[i], pairs[i + 1]];
    if (key === "staging") { config.staging = true; delete config.server; }
    else if (key === "http-port" || key === "https-port") config[key] = /^\d+$/.test(value) ? Number(value) : value;
    else { config[key] = value; if (key === "server") delete config.staging; }
  }
  process.stdout.write(JSON.stringify(config, null, 2));
' "$config_file" "${pairs[@]}") || die "cannot update $config_file"
if [ ! -f "$config_file" ] || [ "$(cat "$config_file")" != "$new_config" ]; then
  [ -f "$config_file" ] || record "created-config"
  install -d -m 755 "$(dirname "$config_file")"
  printf '%s\n' "$new_config" >"$config_file.tmp"
  chmod 644 "$config_file.tmp"
  mv "$config_file.tmp" "$config_file"
  record "config-sha256 $(sha256sum <"$config_file" | cut -d' ' -f1)"
  say "wrote $config_file"
fi

# ---------------------------------------------------------------------------------------------- stock site
http_port=$(node -e 'try { process.stdout.write(String(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))["http-port"] ?? 80)) } catch { process.stdout.write("80") }' "$config_file")
if { [ -e "$stock_link" ] || [ -L "$stock_link" ]; } && [ "$http_port" = 80 ]; then
  expected=$(dpkg-query -W -f='${Conffiles}\n' nginx-common 2>/dev/null | awk '$1 == "/etc/nginx/sites-available/default" { print $2 }')
  actual=$(md5sum <"$stock_site" 2>/dev/null | cut -d' ' -f1)
  if [ -L "$stock_link" ] && [ -f "$stock_site" ] && [ -n "$expected" ] && [ "$expected" = "$actual" ]; then
    rm -f "$stock_link"
    record "disabled-stock-site"
    say "disabled the Debian default site (its port-80 default_server clashes with ngcert's catch-all); --uninstall puts it back"
  else
    say "$stock_link is not the unmodified package file: left alone (ngcert init says what to do if it clashes)"
  fi
fi

# ---------------------------------------------------------------------------------------------- nginx + init
systemd=0
[ -z "$root" ] && [ -d /run/systemd/system ] && systemd=1
if [ -z "$root" ] && ! nginx_running; then
  if [ "$systemd" -eq 1 ]; then
    systemctl enable --now nginx && say "started nginx (systemd)"
  else
    nginx && say "started nginx (no systemd here: started directly; start it at boot yourself)"
  fi
elif [ -n "$root" ]; then
  skip "starting nginx (--root)"
fi

if [ "$run_init" -eq 1 ]; then
  run_ngcert init
else
  skip "ngcert init (--no-init)"
fi

# ---------------------------------------------------------------------------------------------- schedule
# certbot's package ships the scheduler (a systemd timer, or a cron job that stands down when systemd runs): use it,
# never add a second one that would renew twice.
if [ "$systemd" -eq 1 ] && systemctl list-unit-files certbot.timer >/dev/null 2>&1; then
  systemctl enable --now certbot.timer >/dev/null 2>&1 && say "renewal: certbot.timer enabled"
elif [ -f "$root/etc/cron.d/certbot" ]; then
  if [ -n "$root" ] || pgrep -x cron >/dev/null 2>&1; then
    say "renewal: certbot's cron job ($root/etc/cron.d/certbot)"
  else
    say "renewal: certbot's cron job is installed, but no cron daemon runs here: start cron (or run \`ngcert renew\` on a schedule yourself)"
  fi
elif [ -f "$root/lib/systemd/system/certbot.timer" ] || [ -f "$root/usr/lib/systemd/system/certbot.timer" ]; then
  skip "renewal schedule: certbot.timer exists but systemd is not running here"
else
  skip "renewal schedule: this certbot ships neither a timer nor a cron job; schedule \`certbot renew\` twice a day yourself"
fi
# ngcert watch as a service: written wherever there is a systemd unit directory, enabled where systemd runs.
unit_file="$root/etc/systemd/system/ngcert-watch.service"
metrics_args=""
textfile_dir=/var/lib/prometheus/node-exporter
[ -d "$root$textfile_dir" ] && metrics_args=" --metrics-file $textfile_dir/ngcert.prom"
unit="[Unit]
Description=ngcert watch: keep nginx serving the certificates on disk
Documentation=https://github.com/ngcert/ngcert#ngcert-watch
After=network.target nginx.service
Wants=nginx.service

[Service]
Type=simple
ExecStart=$lib_dir/cli.js watch${ngcert_args[*]:+ ${ngcert_args[*]}}$metrics_args
Restart=on-failure
RestartSec=10
# Events go to the journal (stdout); ngcert needs root to reload nginx and read private keys.

[Install]
WantedBy=multi-user.target"
if [ -d "$root/etc/systemd/system" ] || [ -n "$root" ] || [ "$systemd" -eq 1 ]; then
  if [ "$(cat "$unit_file" 2>/dev/null)" != "$unit" ]; then
    [ -f "$unit_file" ] || record "created-unit"
    install -d -m 755 "$(dirname "$unit_file")"
    printf '%s\n' "$unit" >"$unit_file"
    say "wrote $unit_file"
  fi
fi
if [ "$systemd" -eq 1 ]; then
  systemctl daemon-reload
  systemctl enable --now ngcert-watch.service >/dev/null 2>&1 && say "ngcert-watch.service enabled and started"
else
  skip "starting ngcert-watch.service (systemd is not running here): run \`ngcert watch\` under your own supervisor"
fi
say "done: ngcert $(node "$lib_dir/cli.js" --version) is installed as $bin_link"
