#!/usr/bin/env bash
# Installs the pinned code-server (a real VS Code server + workbench) ONCE into a cache folder
# outside any node_modules, and prints the path of its launcher (last line of stdout).
# A second call is a no-op: a marker file is written only after a verified install.
#
# Why 4.100.3: the newest code-server whose engines allow Node 20 (4.103+ want Node 22).
# Its lib/vscode carries an npm-shrinkwrap.json, so with the exact version the whole tree is pinned.
#
# Cache folder ($PIDNS_CACHE overrides):
#   root:      /var/cache/pidns-explorer     (world-readable: tests run code-server as a non-root user,
#                                             who cannot enter /root; survives fresh clones)
#   non-root:  ${XDG_CACHE_HOME:-$HOME/.cache}/pidns-explorer
set -euo pipefail

VERSION=4.100.3
# @vscode/ripgrep as pinned by code-server 4.100.3's shrinkwrap, and the ripgrep build its postinstall wants.
RG_PACKAGE_VERSION=1.15.11
RG_BINARY_VERSION=v13.0.0-10

if [ -n "${PIDNS_CACHE:-}" ]; then CACHE_ROOT=$PIDNS_CACHE
elif [ "$(id -u)" -eq 0 ]; then CACHE_ROOT=/var/cache/pidns-explorer
else CACHE_ROOT=${XDG_CACHE_HOME:-$HOME/.cache}/pidns-explorer
fi
DIR=$CACHE_ROOT/code-server-$VERSION
MARKER=$DIR/.pidns-install-ok
LAUNCHER=$DIR/node_modules/.bin/code-server

if [ -f "$MARKER" ]; then echo "$LAUNCHER"; exit 0; fi

log() { echo "install-code-server: $*" >&2; }

node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" = 20 ] || { log "code-server $VERSION needs Node 20, found $(node -v)"; exit 1; }

mkdir -p "$CACHE_ROOT"
chmod 755 "$CACHE_ROOT"
# Several test runs may start at once: one installs, the others wait and reuse it.
exec 9>"$CACHE_ROOT/.code-server-$VERSION.lock"
flock 9
if [ -f "$MARKER" ]; then echo "$LAUNCHER"; exit 0; fi

start=$(date +%s)
log "installing code-server $VERSION into $DIR (1-2 minutes, ~300 MB)"
rm -rf "$DIR"
mkdir -p "$DIR/.xdg/config" "$DIR/.xdg/data" "$DIR/.xdg/cache" "$DIR/.tmp"
# Every code-server (and npm lifecycle) command writes ~/.config and ~/.local/share unless told otherwise.
export XDG_CONFIG_HOME=$DIR/.xdg/config XDG_DATA_HOME=$DIR/.xdg/data XDG_CACHE_HOME=$DIR/.xdg/cache

# @vscode/ripgrep's postinstall downloads rg from GitHub, which is unreachable here; it accepts a
# tarball already in its cache folder under $TMPDIR, so give it the system's rg (Debian's ripgrep).
case "$(uname -m)" in
  x86_64) rg_target=x86_64-unknown-linux-musl ;;
  aarch64) rg_target=aarch64-unknown-linux-musl ;;
  *) log "unsupported machine $(uname -m)"; exit 1 ;;
esac
RG=$(command -v rg) || { log "ripgrep (rg) is missing: apt-get install ripgrep (scripts/ensure-deps.sh does)"; exit 1; }
export TMPDIR=$DIR/.tmp
rg_cache=$TMPDIR/vscode-ripgrep-cache-$RG_PACKAGE_VERSION
mkdir -p "$rg_cache"
rg_stage=$(mktemp -d)
cp "$RG" "$rg_stage/rg"
tar czf "$rg_cache/ripgrep-$RG_BINARY_VERSION-$rg_target.tar.gz" -C "$rg_stage" rg
rm -rf "$rg_stage"

# Native modules without a prebuilt (argon2's comes from GitHub) build with node-gyp, which downloads Node's
# headers from nodejs.org unless told where they are: use the ones installed beside this node.
if [ -z "${npm_config_nodedir:-}" ]; then
  node_prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
  if [ -f "$node_prefix/include/node/node_api.h" ]; then export npm_config_nodedir=$node_prefix
  else log "warning: no Node headers under $node_prefix/include/node: node-gyp will try to download them"
  fi
fi

cat >"$DIR/package.json" <<JSON
{ "private": true, "description": "code-server for pidns-explorer's tests and run-product", "dependencies": { "code-server": "$VERSION" } }
JSON
# --unsafe-perm: code-server's postinstall refuses root without it (npm 11 warns but passes it on).
# npm_config_yes: node-pty's postinstall runs `npx node-gyp`, which would otherwise ask.
(cd "$DIR" && npm_config_yes=true npm install --unsafe-perm --no-audit --no-fund --loglevel=error >&2)

got=$("$LAUNCHER" --version 2>/dev/null | tail -1)
case "$got" in
  "$VERSION "*) ;;
  *) log "installed code-server does not run: --version said: $got"; exit 1 ;;
esac
[ -x "$DIR/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ] || { log "ripgrep missing after install"; exit 1; }
rm -rf "$TMPDIR"
# Readable and runnable by the non-root user the tests run code-server as.
chmod -R a+rX "$DIR"
date -u +%FT%TZ >"$MARKER"
log "installed in $(( $(date +%s) - start )) s"
echo "$LAUNCHER"
