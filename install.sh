#!/usr/bin/env bash
# Sets a Debian 12/13 or Ubuntu 22.04/24.04 server up for ngcert, from a checkout of its repository: packages, Node.js
# check, build, install, /etc/ngcert/config.json, the nginx ports, `ngcert init`, nginx started and confirmed, renewal
# schedule, the watch service. Every step says what it did, or stops the script (exit 1) with one line naming the step,
# the cause and what to do. Every step can be run again: a second run after the cause is fixed completes the install,
# and a run interrupted anywhere leaves nothing that stops the next run or --uninstall.
set -Eeuo pipefail
umask 022

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
  cat <<'EOF'
Usage: ./install.sh [options]                 as root (or: sudo ./install.sh [options])
       ./install.sh --uninstall [--root DIR]

Installs nginx, certbot and pebble (the local test CA for `npm test` and `ngcert demo`) from the
distribution, with what npm test's cluster sample needs (openssh-server, its service left off, and
nginx's stream module), checks Node.js >= 20.19, builds ngcert and installs it (the bundle, its code
cache, its source map and its dependencies' licences in /usr/local/lib/ngcert, the command as
/usr/local/bin/ngcert), writes
/etc/ngcert/config.json from the options below, checks that nothing else holds the ports nginx will
listen on, runs `ngcert init`, starts nginx if nothing runs it and confirms that it listens where its
configuration says and answers the challenge path, makes sure renewal runs on a schedule (certbot's
own systemd timer or cron job; never a second one) and runs `ngcert watch` as ngcert-watch.service.
Running it again changes only what is missing.

Settings written to /etc/ngcert/config.json:
  --email ADDR           account e-mail for Let's Encrypt (expiry notices)
  --staging              use Let's Encrypt's staging server
  --server URL           another ACME directory URL
  --webroot DIR          shared challenge webroot [/var/www/acme-challenge]
  --http-port N          HTTP port [80]
  --https-port N         HTTPS port [443]
  --listen-address ADDR  listen address [all]

Other options:
  --root DIR             install under DIR instead of / (tests, images): no packages are installed and
                         nginx is not started; every path, settings included, lives under DIR
  --start-nginx          with --root: start the nginx of DIR/etc/nginx/nginx.conf when it does not
                         run, check its ports and confirm what it serves, as an install on / does
  --no-init              do not run `ngcert init`
  --uninstall            remove what install.sh installed (packages stay; the command to remove them
                         is printed), put back the Debian default site it disabled, reload nginx
  -h, --help             this text

Exit codes: 0 done; 1 a step failed (its line says which, why, and what to do); 2 bad usage
(nothing was changed).
EOF
}

# ------------------------------------------------------------------------------------------------------- messages
step="options"
rerun="install.sh" # what to run again once the cause is fixed
say() { printf 'install.sh: %s: %s\n' "$step" "$*" >&2; }
skip() { printf 'install.sh: %s: skipped: %s\n' "$step" "$*" >&2; }
fail() {
  printf 'install.sh: %s: %s\n' "$step" "$*" >&2
  exit 1
}
usage_error() {
  printf 'install.sh: %s (see ./install.sh --help)\n' "$*" >&2
  exit 2
}
# A command that fails where no `|| fail` expected it still stops the script with one line naming the step.
on_error() {
  local status=$1 line=$2 command=$3
  if [ "${BASH_SUBSHELL:-0}" -eq 0 ]; then
    printf 'install.sh: %s: `%s` failed (exit %s, install.sh line %s); fix the cause, then run %s again\n' "$step" "$command" "$status" "$line" "$rerun" >&2
  fi
  exit 1
}
trap 'on_error $? $LINENO "$BASH_COMMAND"' ERR

scratch=$(mktemp -d "${TMPDIR:-/tmp}/ngcert-install.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# quietly WHAT COMMAND...: runs COMMAND with its output in a log; on failure shows the log's end and stops with WHAT
# and the command's last line.
quietly() {
  local what=$1
  shift
  if ! "$@" >"$scratch/log" 2>&1; then
    tail -n 20 "$scratch/log" >&2
    fail "$what failed: $(reason_in "$scratch/log")"
  fi
}

# The reason a program gave, from its output: ngcert's own "ngcert: ..." line, else the last line it printed.
reason_in() {
  local reason
  reason=$(grep '^ngcert: ' "$1" | tail -n 1 | sed 's/^ngcert: //' || true)
  [ -n "$reason" ] || reason=$(grep -v '^[[:space:]]*$' "$1" | tail -n 1 | sed 's/^nginx: //' || true)
  printf '%s' "${reason:-no message}"
}

# A word for /bin/sh: quoted unless it is plainly safe.
shell_word() {
  case "$1" in
    *[!A-Za-z0-9_@%+=:,./-]* | "") printf "'%s'" "${1//\'/\'\\\'\'}" ;;
    *) printf '%s' "$1" ;;
  esac
}

# ------------------------------------------------------------------------------------------------------- options
root=""
uninstall=0
run_init=1
start_nginx=0
config_keys=()
config_values=()
set_config() {
  config_keys+=("$1")
  config_values+=("$2")
}
valid_port() { [[ $1 =~ ^[0-9]{1,5}$ ]] && [ "$1" -ge 1 ] && [ "$1" -le 65535 ]; }

while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help)
      usage
      exit 0
      ;;
    --root)
      if [ $# -lt 2 ] || [ -z "$2" ]; then usage_error "--root needs a directory"; fi
      root=${2%/}
      shift 2
      ;;
    --uninstall)
      uninstall=1
      shift
      ;;
    --no-init)
      run_init=0
      shift
      ;;
    --start-nginx)
      start_nginx=1
      shift
      ;;
    --staging)
      set_config staging true
      shift
      ;;
    --email | --server | --webroot | --http-port | --https-port | --listen-address)
      [ $# -ge 2 ] || usage_error "$1 needs a value"
      case "$1" in
        --http-port | --https-port) valid_port "$2" || usage_error "$1 \"$2\" is not a port number (1-65535)" ;;
        --webroot) [[ $2 == /* ]] || usage_error "--webroot \"$2\" is not an absolute path" ;;
      esac
      set_config "${1#--}" "$2"
      shift 2
      ;;
    *) usage_error "unknown option: $1" ;;
  esac
done
[ "$start_nginx" -eq 0 ] || [ -n "$root" ] || usage_error "--start-nginx goes with --root (an install on / always starts nginx)"

step="root"
if [ -n "$root" ]; then
  case "$root" in /*) ;; *) root="$(pwd)/$root" ;; esac
  [ -d "$root" ] || fail "$root is not a directory: create it first"
elif [ "$(id -u)" -ne 0 ]; then
  fail "install.sh changes /etc, /usr/local and nginx: run it as root (./install.sh from a root shell, or sudo ./install.sh)"
fi

lib_dir="$root/usr/local/lib/ngcert"
bin_dir="$root/usr/local/bin"
bin_file="$bin_dir/ngcert"
config_file="$root/etc/ngcert/config.json"
manifest="$lib_dir/install-manifest"
nginx_dir="$root/etc/nginx"
letsencrypt_dir="$root/etc/letsencrypt"
stock_site="$nginx_dir/sites-available/default"
stock_link="$nginx_dir/sites-enabled/default"
unit_file="$root/etc/systemd/system/ngcert-watch.service"
bundle_files=(cli.js ngcert.js ngcert.js.cache ngcert.js.map THIRD-PARTY-LICENSES.txt)
wrapper_marker="# ngcert, installed by install.sh"

# Under --root every setting points inside DIR: ngcert reads DIR's config file.
ngcert_args=()
[ -z "$root" ] || ngcert_args=(--config "$config_file")
systemd=0
[ -z "$root" ] && [ -d /run/systemd/system ] && systemd=1
# An install on / manages the machine's nginx; under --root only with --start-nginx.
manage_nginx=0
{ [ -z "$root" ] || [ "$start_nginx" -eq 1 ]; } && manage_nginx=1

record() { printf '%s\n' "$*" >>"$manifest"; }
recorded() { [ -f "$manifest" ] && grep -qxF "$*" "$manifest"; }

# Is a file one that ngcert wrote and nobody edited since? (the ownership line holds the hash of the rest)
ngcert_owned_unedited() {
  local file=$1 want have
  want=$(sed -n 's/^# ngcert-owned sha256:\([0-9a-f]\{64\}\)$/\1/p' "$file" | head -n 1)
  [ -n "$want" ] || return 1
  have=$(sed '/^# ngcert-owned sha256:[0-9a-f]\{64\}$/d' "$file" | sha256sum | cut -d' ' -f1)
  [ "$want" = "$have" ]
}

# install_file SOURCE DEST MODE: a whole new file under a temporary name, then one rename.
install_file() {
  local source=$1 dest=$2 mode=$3
  local temporary
  temporary="$(dirname "$dest")/.$(basename "$dest").install-tmp"
  if ! install -m "$mode" "$source" "$temporary" 2>"$scratch/err" || ! mv -f "$temporary" "$dest" 2>>"$scratch/err"; then
    rm -f "$temporary" 2>/dev/null || true
    fail "cannot write $dest: $(tail -n 1 "$scratch/err" | sed 's/^[^:]*: //'); make it writable, then run $rerun again"
  fi
}
# write_file DEST MODE TEXT
write_file() {
  printf '%s\n' "$3" >"$scratch/new"
  install_file "$scratch/new" "$1" "$2"
}
make_dirs() {
  local dir
  for dir in "$@"; do
    mkdir -p "$dir" 2>"$scratch/err" || fail "cannot create $dir: $(tail -n 1 "$scratch/err" | sed 's/^.*: //'); make it writable, then run $rerun again"
  done
}

# The installed bundle, run by the node that ran install.sh, with DIR's config under --root.
node_bin=""
run_ngcert() { "$node_bin" "$lib_dir/cli.js" "$@" "${ngcert_args[@]}"; }

# Reads `ngcert install-check settings` into setting_<key> variables.
setting_webroot="" setting_nginx_conf="" setting_nginx_bin="" setting_http_port="" setting_version=""
read_settings() {
  local output key value
  output=$(run_ngcert install-check settings 2>"$scratch/err") || fail "ngcert cannot read its settings: $(reason_in "$scratch/err")"
  while IFS=$'\t' read -r key value; do
    printf -v "setting_${key//-/_}" '%s' "$value"
  done <<<"$output"
}

# nginx_state: "running PID" or "stopped"; stops the script when nginx cannot read its configuration.
nginx_state() {
  run_ngcert install-check nginx 2>"$scratch/err" || fail "$(reason_in "$scratch/err"): fix that file (or move it aside), then run $rerun again"
}

# ------------------------------------------------------------------------------------------------------- uninstall
if [ "$uninstall" -eq 1 ]; then
  step="uninstall"
  rerun="install.sh --uninstall"
  if [ ! -f "$manifest" ]; then
    say "nothing to remove: $manifest does not exist (install.sh has not installed ngcert here)"
    exit 0
  fi
  # The watcher first: it reloads nginx itself, and must not act on a half-removed setup.
  if recorded "created-unit" && [ "$systemd" -eq 1 ]; then
    systemctl disable --now ngcert-watch.service >/dev/null 2>&1 || true
    say "stopped and disabled ngcert-watch.service"
  fi
  node_bin=$(sed -n 's/^node //p' "$manifest" | tail -n 1)
  [ -x "$node_bin" ] || node_bin=$(command -v node || true)
  have_bundle=0
  [ -n "$node_bin" ] && [ -f "$lib_dir/cli.js" ] && have_bundle=1
  setting_webroot="$root/var/www/acme-challenge"
  if [ "$have_bundle" -eq 1 ]; then
    read_settings
  else
    say "the bundle is gone already: using the default webroot $setting_webroot"
  fi
  for phase in pre deploy post; do
    hook="$letsencrypt_dir/renewal-hooks/$phase/ngcert"
    [ -f "$hook" ] || continue
    if ngcert_owned_unedited "$hook"; then
      rm -f "$hook"
      say "removed $hook"
    else
      say "kept $hook: edited since ngcert wrote it"
    fi
  done
  nginx_changed=0
  for file in "$nginx_dir/conf.d/ngcert-acme.conf" "$nginx_dir/snippets/ngcert-acme.conf"; do
    [ -f "$file" ] || continue
    if ngcert_owned_unedited "$file"; then
      rm -f "$file"
      nginx_changed=1
      say "removed $file"
    else
      say "kept $file: edited since ngcert wrote it"
    fi
  done
  # Directories ngcert created go too, when nothing else was put in them.
  rmdir "$setting_webroot/.well-known/acme-challenge" "$setting_webroot/.well-known" "$setting_webroot" 2>/dev/null || true
  for phase in pre deploy post; do rmdir "$letsencrypt_dir/renewal-hooks/$phase" 2>/dev/null || true; done
  rmdir "$letsencrypt_dir/renewal-hooks" 2>/dev/null || true
  if recorded "disabled-stock-site" && [ ! -e "$stock_link" ] && [ ! -L "$stock_link" ] && [ -f "$stock_site" ]; then
    ln -s "/etc/nginx/sites-available/default" "$stock_link"
    nginx_changed=1
    say "re-enabled the Debian default site ($stock_link)"
  fi

  step="reload nginx"
  if [ "$have_bundle" -eq 1 ]; then
    state=$(nginx_state) || exit 1
    if [ "$state" = stopped ]; then
      skip "nginx is not running; it reads the configuration without ngcert's files when it starts"
    elif [ "$nginx_changed" -eq 1 ] || recorded "reload-pending"; then
      # Recorded first: an uninstall interrupted before the reload reloads on its next run.
      recorded "reload-pending" || record "reload-pending"
      run_ngcert reload >"$scratch/log" 2>&1 || fail "ngcert reload failed: $(reason_in "$scratch/log"); nginx keeps its previous configuration: fix the cause, then run $rerun again"
      result=$(run_ngcert install-check confirm 2>"$scratch/err") || fail "$(reason_in "$scratch/err")"
      say "nginx reloaded without ngcert's files: $result"
    else
      say "nothing of nginx's configuration changed: no reload needed"
    fi
  else
    skip "reloading nginx (no bundle left to run \`ngcert reload\`): if ngcert's files were still loaded, reload nginx yourself"
  fi

  step="uninstall"
  # ngcert's own state (its lock, interrupted-step journals, the last reload) goes with it, after the last ngcert run.
  if [ -d "$letsencrypt_dir/.ngcert" ] && [ ! -L "$letsencrypt_dir/.ngcert" ]; then
    rm -rf "$letsencrypt_dir/.ngcert"
    say "removed $letsencrypt_dir/.ngcert"
  fi
  if recorded "created-config" && [ -f "$config_file" ]; then
    if grep -qxF "config-sha256 $(sha256sum <"$config_file" | cut -d' ' -f1)" "$manifest"; then
      rm -f "$config_file"
      rmdir "$(dirname "$config_file")" 2>/dev/null || true
      say "removed $config_file"
    else
      say "kept $config_file: edited since install.sh wrote it"
    fi
  fi
  rm -f "$(dirname "$config_file")/.config.json.install-tmp"
  if recorded "created-unit"; then
    rm -f "$unit_file" "$(dirname "$unit_file")/.ngcert-watch.service.install-tmp"
    [ "$systemd" -eq 0 ] || systemctl daemon-reload || true
    say "removed ngcert-watch.service"
  fi
  if [ -L "$bin_file" ] || { [ -f "$bin_file" ] && sed -n 2p "$bin_file" | grep -qF "$wrapper_marker"; }; then
    rm -f "$bin_file"
    say "removed $bin_file"
  elif [ -e "$bin_file" ]; then
    say "kept $bin_file: install.sh did not write it"
  fi
  rm -f "$bin_dir/.ngcert.install-tmp"
  packages=$(sed -n 's/^installed-package //p' "$manifest" | tr '\n' ' ')
  # cli.js.map: an older install's source map, from when cli.js was the whole program.
  for file in "${bundle_files[@]}" cli.js.map; do rm -f "$lib_dir/$file" "$lib_dir/.$file.install-tmp"; done
  rm -f "$manifest"
  rmdir "$lib_dir" 2>/dev/null || true
  say "removed $lib_dir"
  if [ -n "${packages// /}" ]; then
    say "packages install.sh installed are left in place: ${packages}(remove them with: apt-get remove ${packages% })"
  fi
  step="done"
  say "ngcert is uninstalled"
  exit 0
fi

# ------------------------------------------------------------------------------------------------------- packages
step="packages"
missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v certbot >/dev/null 2>&1 || missing+=(certbot)
{ command -v pebble >/dev/null 2>&1 && command -v pebble-challtestsrv >/dev/null 2>&1; } || missing+=(pebble)
# What npm test's cluster sample runs besides: sshd and ssh (each test node starts its own sshd; this machine's ssh
# service is not started for it) and nginx's stream module (the test balancer; loaded, unused by any configuration).
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
{ command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1; } || missing+=(openssh-client)
[ -e /usr/lib/nginx/modules/ngx_stream_module.so ] || missing+=(libnginx-mod-stream)
new_packages=()
if [ ${#missing[@]} -eq 0 ]; then
  say "nginx, certbot, pebble, ssh and nginx's stream module are installed"
elif [ -n "$root" ]; then
  skip "installing ${missing[*]} (packages are not installed under --root)"
else
  command -v apt-get >/dev/null 2>&1 || fail "${missing[*]} missing and this is not a Debian/Ubuntu system (no apt-get): install them, then run install.sh again"
  say "installing ${missing[*]} from the distribution"
  quietly "apt-get update" apt-get update
  new_sshd=0
  [[ " ${missing[*]} " == *" openssh-server "* ]] && new_sshd=1
  quietly "apt-get install ${missing[*]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
  # A new sshd is for the tests only (each test node starts its own): the service its package started is stopped
  # and disabled again (where systemd does not run, the package starts nothing that outlives a reboot).
  if [ "$new_sshd" -eq 1 ] && [ -d /run/systemd/system ]; then
    systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
    say "openssh-server is there for npm test's cluster nodes: its ssh service is stopped and disabled (systemctl enable --now ssh to use it)"
  fi
  new_packages=("${missing[@]}")
  say "installed ${missing[*]}"
fi

# ------------------------------------------------------------------------------------------------------- node
step="node"
node_on_path=$(command -v node || true)
[ -n "$node_on_path" ] || fail "Node.js is not on PATH ($PATH): ngcert needs Node.js 20.19 or newer (Debian 13: apt-get install nodejs; elsewhere NodeSource or nvm; a node that sudo's PATH does not reach: sudo env PATH=\"\$PATH\" ./install.sh)"
# One run gives the version and the path the hooks and the service will run: the node binary itself, not whatever
# PATH cron or systemd will have.
node_facts=$("$node_on_path" -p 'process.versions.node + " " + process.execPath' 2>/dev/null) || fail "$node_on_path does not run: install Node.js 20.19 or newer, then run install.sh again"
node_version=${node_facts%% *}
node_bin=${node_facts#* }
if ! [[ $node_version =~ ^([0-9]+)\.([0-9]+)\. ]] || [ "${BASH_REMATCH[1]}" -lt 20 ] || { [ "${BASH_REMATCH[1]}" -eq 20 ] && [ "${BASH_REMATCH[2]}" -lt 19 ]; }; then
  fail "Node.js $node_version ($node_on_path) is too old: ngcert needs 20.19 or newer (Debian 13 ships it; elsewhere NodeSource or nvm), then run install.sh again"
fi
say "Node.js $node_version at $node_bin: the installed command, hooks and service run it by this path"

# ------------------------------------------------------------------------------------------------------- build
step="build"
cd "$here"
command -v npm >/dev/null 2>&1 || fail "npm is missing (Debian: apt-get install npm), needed to build ngcert: install it, then run install.sh again"
# npm writes node_modules/.package-lock.json last: without it (or older than the lock file) the dependencies are not
# (all) there, e.g. after an interrupted npm ci.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies (npm ci)"
  quietly "npm ci" npm ci --no-audit --no-fund
fi
stale=0
for file in "${bundle_files[@]}"; do [ -f "dist/$file" ] || stale=1; done
[ "$stale" -eq 1 ] || [ -z "$(find src package.json package-lock.json scripts -newer dist/cli.js -print -quit)" ] || stale=1
if [ "$stale" -eq 1 ]; then
  quietly "npm run build" npm run -s build
  say "built dist/cli.js"
else
  say "dist/cli.js is up to date"
fi
# V8's code cache for the program, which only the Node.js that made it accepts: made again (when it is not this
# Node.js's) by the one the installed command runs on, which may not be the one npm ran the build with.
quietly "the code cache (scripts/code-cache.cjs)" "$node_bin" scripts/code-cache.cjs dist
# Under sudo, leave the checkout usable by the person who ran it (npm test writes dist/ again).
if [ -n "${SUDO_UID:-}" ] && [ "${SUDO_UID}" != 0 ]; then
  chown -R "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" node_modules dist 2>/dev/null || true
fi

step="options"
# ngcert itself judges the values (e-mail, URL, address, paths) before anything is installed.
given=()
for i in "${!config_keys[@]}"; do
  if [ "${config_keys[$i]}" = staging ]; then given+=(--staging); else given+=("--${config_keys[$i]}" "${config_values[$i]}"); fi
done
if [ ${#given[@]} -gt 0 ]; then
  if ! "$node_bin" dist/cli.js install-check settings "${given[@]}" --config "$scratch/none.json" >/dev/null 2>"$scratch/err"; then
    printf 'install.sh: %s (nothing was installed)\n' "$(head -n 1 "$scratch/err" | sed 's/^ngcert: //')" >&2
    exit 2
  fi
fi

# ------------------------------------------------------------------------------------------------------- bundle
step="bundle"
make_dirs "$lib_dir" "$bin_dir"
# The manifest exists before anything else is installed, so --uninstall finds whatever a run did.
if [ ! -f "$manifest" ]; then
  : 2>"$scratch/err" >"$manifest" || fail "cannot write $manifest: $(tail -n 1 "$scratch/err" | sed 's/^.*: //'); make it writable, then run $rerun again"
fi
for package in "${new_packages[@]}"; do record "installed-package $package"; done
recorded "node $node_bin" || record "node $node_bin"
bundle_changed=0
# The launcher cli.js last: until it is in place, an older cli.js (then one file, the whole program) keeps running.
for file in ngcert.js.map THIRD-PARTY-LICENSES.txt ngcert.js ngcert.js.cache cli.js; do
  if ! cmp -s "dist/$file" "$lib_dir/$file"; then
    install_file "dist/$file" "$lib_dir/$file" "$([ "$file" = cli.js ] && echo 755 || echo 644)"
    bundle_changed=1
  fi
done
# An older install's source map, from when cli.js was the whole program.
if [ -f "$lib_dir/cli.js.map" ]; then rm -f "$lib_dir/cli.js.map"; bundle_changed=1; fi
if [ "$bundle_changed" -eq 1 ]; then say "installed $lib_dir/cli.js, the program ngcert.js it runs, its code cache, its source map and THIRD-PARTY-LICENSES.txt"; else say "$lib_dir is up to date"; fi
# The version the bundle says it is (its header line), answered by the wrapper itself: `ngcert --version` then costs
# no Node.js start-up at all.
bundle_version=$(sed -n 's|^// ngcert \([0-9][0-9A-Za-z.+-]*\), bundled by.*|\1|p' dist/cli.js | head -n 1)
[ -n "$bundle_version" ] || fail "dist/cli.js has no version line: rebuild it (npm run build), then run install.sh again"
wrapper="#!/bin/sh
$wrapper_marker: the bundle, run by the Node.js that ran install.sh (not the one on PATH).
if [ \"\$#\" -eq 1 ] && [ \"\$1\" = --version ]; then echo $bundle_version; exit 0; fi
exec $(shell_word "$node_bin") $(shell_word "$lib_dir/cli.js") \"\$@\""
if [ -L "$bin_file" ] || [ "$(cat "$bin_file" 2>/dev/null)" != "$wrapper" ]; then
  if [ -e "$bin_file" ] && [ ! -L "$bin_file" ] && ! sed -n 2p "$bin_file" | grep -qF "$wrapper_marker"; then
    fail "$bin_file exists and install.sh did not write it: move it aside, then run install.sh again"
  fi
  write_file "$bin_file" 755 "$wrapper"
  say "installed $bin_file"
fi

# ------------------------------------------------------------------------------------------------------- config
step="config"
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
# Absolute programs, unless the file names its own: cron's PATH has no /usr/sbin, and the hooks run under cron.
defaults=()
nginx_path=$(command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true)
certbot_path=$(command -v certbot || true)
[ -z "$nginx_path" ] || defaults+=(nginx-bin "$nginx_path")
[ -z "$certbot_path" ] || defaults+=(certbot-bin "$certbot_path")
# The options given now are merged into what the file already holds (a re-run with --email keeps --staging).
pairs=()
for i in "${!config_keys[@]}"; do pairs+=("${config_keys[$i]}" "${config_values[$i]}"); done
new_config=$("$node_bin" -e '
  const [file, defaultCount, ...rest] = process.argv.slice(1);
  const defaults = rest.slice(0, Number(defaultCount)), pairs = rest.slice(Number(defaultCount));
  let config = {};
  try { config = JSON.parse(require("fs").readFileSync(file, "utf8")); } catch (e) { if (e.code !== "ENOENT") { console.error(`${file}: ${e.message}`); process.exit(1); } }
  for (let i = 0; i < defaults.length; i += 2) if (!(defaults[i] in config)) config[defaults[i]] = defaults[i + 1];
  for (let i = 0; i < pairs.length; i += 2) {
    const [key, value] = [pairs[i], pairs[i + 1]];
    if (key === "staging") { config.staging = true; delete config.server; }
    else if (key === "http-port" || key === "https-port") config[key] = Number(value);
    else { config[key] = value; if (key === "server") delete config.staging; }
  }
  process.stdout.write(JSON.stringify(config, null, 2));
' "$config_file" "${#defaults[@]}" "${defaults[@]}" "${pairs[@]}" 2>"$scratch/err") || fail "cannot read $config_file: $(tail -n 1 "$scratch/err"): fix or remove it, then run install.sh again"
if [ ! -f "$config_file" ] || [ "$(cat "$config_file")" != "$new_config" ]; then
  make_dirs "$(dirname "$config_file")"
  [ -f "$config_file" ] || recorded "created-config" || record "created-config"
  # Every version install.sh writes is recorded first: --uninstall removes the file only if it is one of them.
  record "config-sha256 $(printf '%s\n' "$new_config" | sha256sum | cut -d' ' -f1)"
  write_file "$config_file" 644 "$new_config"
  say "wrote $config_file"
else
  say "$config_file is up to date"
fi
read_settings

# ------------------------------------------------------------------------------------------------------- default site
step="default site"
if { [ -e "$stock_link" ] || [ -L "$stock_link" ]; } && [ "$setting_http_port" = 80 ]; then
  expected=$(dpkg-query -W -f='${Conffiles}\n' nginx-common 2>/dev/null | awk '$1 == "/etc/nginx/sites-available/default" { print $2 }' || true)
  actual=$(md5sum <"$stock_site" 2>/dev/null | cut -d' ' -f1 || true)
  if [ -L "$stock_link" ] && [ -f "$stock_site" ] && [ -n "$expected" ] && [ "$expected" = "$actual" ]; then
    recorded "disabled-stock-site" || record "disabled-stock-site"
    rm -f "$stock_link"
    say "disabled the Debian default site (its port-80 default_server clashes with ngcert's catch-all); --uninstall puts it back"
  else
    say "$stock_link is not the unmodified package file: left alone (ngcert init says what to do if it clashes)"
  fi
else
  say "no Debian default site enabled on port $setting_http_port"
fi

# ------------------------------------------------------------------------------------------------------- ports
nginx_pid=""
check=(install-check ports)
[ "$run_init" -eq 0 ] || check+=(--with-catch-all)
if [ "$manage_nginx" -eq 1 ]; then
  # One run of the bundle: nginx -T (does the configuration load, does its nginx run), then the ports.
  step="nginx configuration"
  if ! run_ngcert "${check[@]}" >"$scratch/out" 2>"$scratch/err"; then
    [ -s "$scratch/out" ] || fail "$(reason_in "$scratch/err"): fix that file (or move it aside), then run $rerun again"
    step="ports"
    fail "$(reason_in "$scratch/err")"
  fi
  state=$(head -n 1 "$scratch/out")
  [ "$state" = stopped ] || nginx_pid=${state#running }
  if [ -n "$nginx_pid" ]; then say "nginx -t accepts $setting_nginx_conf; nginx runs (pid $nginx_pid)"; else say "nginx -t accepts $setting_nginx_conf; nginx is not running"; fi
  step="ports"
  say "$(sed -n 2p "$scratch/out")"
else
  step="ports"
  skip "checking the ports nginx will listen on (--root without --start-nginx: nginx is not started)"
fi

# ------------------------------------------------------------------------------------------------------- init
step="ngcert init"
if [ "$run_init" -eq 1 ]; then
  # init tests the configuration with nginx -t and reloads a running nginx itself; its own lines say what it did.
  run_ngcert init 2>&1 | sed -u "s/^/install.sh: ngcert init: /" >&2 || fail "stopped (its reason is above): fix that, then run install.sh again"
else
  skip "ngcert init (--no-init)"
fi

# ------------------------------------------------------------------------------------------------------- nginx
# nginx_did_not_start WHAT LOG: stops with nginx's first complaint, and names a program that took one of nginx's
# ports since the check (nginx -t does not mind a port in use; starting does).
nginx_did_not_start() {
  local reason
  reason=$(grep -m 1 '\[emerg\]' "$2" | sed -e 's/^nginx: //' -e 's/^[0-9/]* [0-9:]* \[emerg\] [0-9#]*: /[emerg] /' || true)
  [ -n "$reason" ] || reason=$(reason_in "$2")
  if ! run_ngcert "${check[@]}" >/dev/null 2>"$scratch/err" && [ -n "$(cat "$scratch/err")" ]; then fail "$1 did not start: $reason; $(reason_in "$scratch/err")"; fi
  fail "$1 did not start: $reason: fix that, then run install.sh again"
}

if [ "$manage_nginx" -eq 1 ]; then
  step="start nginx"
  if [ -n "$nginx_pid" ]; then
    say "nginx already runs (pid $nginx_pid)"
  elif [ "$systemd" -eq 1 ]; then
    quietly "systemctl enable nginx" systemctl enable nginx
    if ! systemctl start nginx >"$scratch/log" 2>&1; then
      journalctl -u nginx.service -n 20 --no-pager -o cat >"$scratch/log" 2>&1 || true
      nginx_did_not_start nginx.service "$scratch/log"
    fi
    recorded "started-nginx" || record "started-nginx"
    say "started nginx (systemd, enabled at boot)"
  else
    "$setting_nginx_bin" -c "$setting_nginx_conf" >"$scratch/log" 2>&1 || nginx_did_not_start nginx "$scratch/log"
    recorded "started-nginx" || record "started-nginx"
    if [ -n "$root" ]; then say "started nginx with $setting_nginx_conf"; else say "started nginx (no systemd here: started directly; start it at boot yourself)"; fi
  fi

  step="confirm nginx"
  confirm=(install-check confirm)
  [ "$run_init" -eq 0 ] || confirm+=(--probe-challenge)
  if [ -n "$nginx_pid" ] && ! run_ngcert "${confirm[@]}" --timeout 2 >/dev/null 2>&1; then
    # nginx ran before this run and does not (yet) listen where its configuration says, e.g. a reload whose bind
    # failed while another program held a port: reload once more, through ngcert, now that the ports are free.
    run_ngcert reload >"$scratch/log" 2>&1 || fail "ngcert reload failed: $(reason_in "$scratch/log"): fix that, then run install.sh again"
    say "nginx did not listen where its configuration says: reloaded it through ngcert"
  fi
  result=$(run_ngcert "${confirm[@]}" 2>"$scratch/err") || fail "$(reason_in "$scratch/err")"
  say "$result"
fi

# ------------------------------------------------------------------------------------------------------- schedule
step="renewal"
# certbot's package ships the scheduler (a systemd timer, or a cron job that stands down when systemd runs): use it,
# never add a second one that would renew twice.
if [ "$systemd" -eq 1 ] && systemctl list-unit-files certbot.timer >/dev/null 2>&1; then
  quietly "systemctl enable --now certbot.timer" systemctl enable --now certbot.timer
  systemctl is-active --quiet certbot.timer || fail "certbot.timer is enabled but not active: see systemctl status certbot.timer"
  say "certbot.timer enabled and active"
elif [ -f "$root/etc/cron.d/certbot" ]; then
  if [ -n "$root" ] || pgrep -x cron >/dev/null 2>&1; then
    say "certbot's cron job ($root/etc/cron.d/certbot)"
  else
    say "certbot's cron job is installed, but no cron daemon runs here: start cron (or run \`ngcert renew\` on a schedule yourself)"
  fi
elif [ -n "$root" ]; then
  skip "the renewal schedule under --root: certbot's own timer or cron job where this tree is used"
elif [ -f /lib/systemd/system/certbot.timer ] || [ -f /usr/lib/systemd/system/certbot.timer ]; then
  skip "certbot.timer exists but systemd is not running here"
else
  skip "this certbot ships neither a timer nor a cron job; schedule \`certbot renew\` twice a day yourself"
fi

# ------------------------------------------------------------------------------------------------------- service
step="watch service"
# ngcert watch as a service: written wherever there is a systemd unit directory, enabled where systemd runs.
metrics_args=""
textfile_dir=/var/lib/prometheus/node-exporter
[ -d "$root$textfile_dir" ] && metrics_args=" --metrics-file $textfile_dir/ngcert.prom"
exec_start="$(shell_word "$node_bin") $(shell_word "$lib_dir/cli.js") watch"
for word in "${ngcert_args[@]}"; do exec_start+=" $(shell_word "$word")"; done
unit="[Unit]
Description=ngcert watch: keep nginx serving the certificates on disk
Documentation=https://github.com/ngcert/ngcert#ngcert-watch
After=network.target nginx.service
Wants=nginx.service

[Service]
Type=simple
# $node_bin is the Node.js that ran install.sh: after moving or replacing it, run install.sh again.
ExecStart=$exec_start$metrics_args
Restart=on-failure
RestartSec=10
# Events go to the journal (stdout); ngcert needs root to reload nginx and read private keys.

[Install]
WantedBy=multi-user.target"
unit_changed=0
if [ -d "$root/etc/systemd/system" ] || [ -n "$root" ] || [ "$systemd" -eq 1 ]; then
  if [ "$(cat "$unit_file" 2>/dev/null)" != "$unit" ]; then
    make_dirs "$(dirname "$unit_file")"
    [ -f "$unit_file" ] || recorded "created-unit" || record "created-unit"
    write_file "$unit_file" 644 "$unit"
    unit_changed=1
    say "wrote $unit_file (ExecStart runs $node_bin)"
  else
    say "$unit_file is up to date"
  fi
fi
if [ "$systemd" -eq 1 ]; then
  quietly "systemctl daemon-reload" systemctl daemon-reload
  quietly "systemctl enable ngcert-watch.service" systemctl enable ngcert-watch.service
  # A changed unit or bundle takes effect only in a new process.
  if [ "$unit_changed" -eq 1 ] || [ "$bundle_changed" -eq 1 ]; then action=restart; else action=start; fi
  systemctl "$action" ngcert-watch.service >/dev/null 2>&1 || fail "ngcert-watch.service did not start: $(journalctl -u ngcert-watch.service -n 3 --no-pager -o cat 2>/dev/null | tail -n 1) (journalctl -u ngcert-watch.service says more)"
  sleep 1
  systemctl is-active --quiet ngcert-watch.service || fail "ngcert-watch.service stopped after starting: $(journalctl -u ngcert-watch.service -n 3 --no-pager -o cat 2>/dev/null | tail -n 1) (journalctl -u ngcert-watch.service says more)"
  say "ngcert-watch.service enabled and running"
else
  skip "starting ngcert-watch.service (systemd is not running here): run \`ngcert watch\` under your own supervisor"
fi

step="done"
say "ngcert $setting_version is installed as $bin_file"
