#!/usr/bin/env bash
# `npm start`: the product, on a fresh machine, in one command. It
#   1. installs what is missing (apt packages, the pinned code-server into its cache),
#   2. builds the extension (npm run build),
#   3. starts the system D-Bus (polkitd comes by D-Bus activation),
#   4. installs the built extension into the product's own extensions dir (a symlink to this checkout,
#      so a rebuild shows up on the next window reload),
#   5. runs code-server (VS Code 1.100 in the browser) on 127.0.0.1:$PORT with a sample workspace,
#      prints the URL and stays in the foreground; Ctrl-C stops it and everything it started.
#
# Who code-server runs as:
#   default             the user running this script, as a real user would run their own editor.
#                       As root the helper runs directly as root; as any other user it climbs through
#                       pkexec (needs a polkit agent or rule) or sudo, whatever the extension's ladder finds.
#   PIDNS_USER=name     (run as root) code-server runs as that non-root user, the setting that exercises
#                       the privilege ladder: the script first installs the root-owned helper and a polkit
#                       rule pre-authorising the user's primary group (scripts/install-system-helper.sh),
#                       so the extension reaches root through the real pkexec without a password prompt.
# Environment: PORT (default 8080), PIDNS_USER, PIDNS_WORKSPACE (default: a sample folder),
#              PIDNS_PRODUCT_DIR (state; default .cache/product/<user> in this checkout),
#              PIDNS_SKIP_BUILD=1 (use the existing dist/; tests set it: a build rewrites out/ under running tests).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
T0=$(date +%s%N)
say() { echo "run-product: $*" >&2; }

PORT=${PORT:-8080}
RUN_AS=${PIDNS_USER:-$(id -un)}
if [ "$RUN_AS" != "$(id -un)" ] && [ "$(id -u)" -ne 0 ]; then say "PIDNS_USER needs root"; exit 1; fi
RUN_UID=$(id -u "$RUN_AS"); RUN_GID=$(id -g "$RUN_AS")
PRODUCT=${PIDNS_PRODUCT_DIR:-$REPO/.cache/product/$RUN_AS}
WORKSPACE=${PIDNS_WORKSPACE:-$PRODUCT/workspace}

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  say "port $PORT on 127.0.0.1 is already in use; choose another: PORT=8081 npm start"; exit 1
fi

# 1-3: dependencies, build, services. ensure-deps needs root for apt; as a user, check only.
if [ "$(id -u)" -eq 0 ]; then bash scripts/ensure-deps.sh; else bash scripts/ensure-deps.sh --no-code-server; fi
CODE_SERVER=$(bash scripts/install-code-server.sh | tail -1)
if [ "${PIDNS_SKIP_BUILD:-}" != 1 ]; then npm run --silent build; fi
[ -f dist/extension.js ] || { say "dist/extension.js missing: run npm run build"; exit 1; }
bash scripts/services.sh start >/dev/null || say "warning: no system D-Bus: pkexec will not work (the extension falls back)"
if [ "$RUN_UID" -ne 0 ] && [ "$(id -u)" -eq 0 ] && [ -f scripts/install-system-helper.sh ]; then
  # --any-session: code-server's user has no local seat session here (as over SSH); the default rule would not admit it.
  bash scripts/install-system-helper.sh --group "$(id -gn "$RUN_AS")" --any-session >/dev/null
  say "installed the root-owned helper; polkit lets group $(id -gn "$RUN_AS") run it without a password, from any session"
fi

# 4: product state: user data, extensions, XDG dirs (code-server writes ~/.config and ~/.local/share otherwise).
mkdir -p "$PRODUCT/user-data/User" "$PRODUCT/extensions" "$PRODUCT/xdg/config" "$PRODUCT/xdg/data" "$PRODUCT/xdg/cache" "$WORKSPACE"
SETTINGS=$PRODUCT/user-data/User/settings.json
[ -f "$SETTINGS" ] || cat >"$SETTINGS" <<'JSON'
{
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "telemetry.telemetryLevel": "off",
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "update.mode": "none",
  "security.workspace.trust.enabled": false,
  "git.openRepositoryInParentFolders": "never"
}
JSON
[ -f "$WORKSPACE/README.md" ] || cat >"$WORKSPACE/README.md" <<'MD'
# PID Namespace Explorer: sample workspace

Open the **PID Namespaces** view in the activity bar (left). Run **PID Namespaces: Create Nested PID
Namespaces…** from the command palette (F1) to make some, hover a process to see its PID at every level.
MD
EXT_ID=$(node -p 'const p=require("./package.json"); `${p.publisher}.${p.name}-${p.version}`')
# Old links of other versions would load a second copy of the extension.
find "$PRODUCT/extensions" -maxdepth 1 -name "$(node -p 'const p=require("./package.json"); `${p.publisher}.${p.name}`')-*" -type l -delete
ln -sfn "$REPO" "$PRODUCT/extensions/$EXT_ID"
# No extensions.json: the server then scans the folder and finds the link.
rm -f "$PRODUCT/extensions/extensions.json"
[ "$RUN_UID" -eq "$(id -u)" ] || chown -R "$RUN_UID:$RUN_GID" "$PRODUCT" "$WORKSPACE"

# 5: code-server, in its own session so that Ctrl-C can stop its whole process group.
RUN_HOME=$(getent passwd "$RUN_AS" | cut -d: -f6)
ARGS=(--bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry --disable-update-check --disable-workspace-trust
  --disable-getting-started-override --ignore-last-opened
  --user-data-dir "$PRODUCT/user-data" --extensions-dir "$PRODUCT/extensions" "$WORKSPACE")
# VSCODE_CLI=1: started from a terminal, so VS Code does not re-resolve the login shell's environment
# (`bash -ilc env`) before each extension host; a slow or hanging profile (root's here) otherwise delays
# the extension by VS Code's 10 s timeout. PATH is the invoking shell's, as with `code` from a terminal.
ENV=(env -i VSCODE_CLI=1 PATH="$PATH" HOME="$RUN_HOME" USER="$RUN_AS" LOGNAME="$RUN_AS" SHELL=/bin/bash LANG="${LANG:-C.UTF-8}"
  XDG_CONFIG_HOME="$PRODUCT/xdg/config" XDG_DATA_HOME="$PRODUCT/xdg/data" XDG_CACHE_HOME="$PRODUCT/xdg/cache")
if [ "$RUN_UID" -eq "$(id -u)" ]; then
  setsid "${ENV[@]}" node "$CODE_SERVER" "${ARGS[@]}" &
else
  setsid setpriv --reuid="$RUN_UID" --regid="$RUN_GID" --init-groups -- "${ENV[@]}" node "$CODE_SERVER" "${ARGS[@]}" &
fi
SERVER=$!

descendants() { # pid: the pid and all its descendants
  local all; all=$(ps -e -o pid=,ppid=)
  local queue=("$1") out=() p
  while [ ${#queue[@]} -gt 0 ]; do
    p=${queue[0]}; queue=("${queue[@]:1}"); out+=("$p")
    mapfile -t -O ${#queue[@]} queue < <(awk -v pp="$p" '$2 == pp {print $1}' <<<"$all")
  done
  echo "${out[@]}"
}

stop_server() {
  # Once stopping, a second Ctrl-C or TERM (pressed twice, or a closing terminal's HUP then TERM) must not end
  # this script before the server is gone: it would leave code-server, in its own session, running.
  trap '' INT TERM HUP
  trap - EXIT
  local pids; pids=$(descendants "$SERVER")
  # The group, plus anything that left it (helpers started through pkexec, shells in namespaces).
  kill -TERM -- "-$SERVER" 2>/dev/null || true
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  for _ in $(seq 1 50); do
    # shellcheck disable=SC2086
    kill -0 $pids 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$SERVER" 2>/dev/null || true
  # shellcheck disable=SC2086
  kill -KILL $pids 2>/dev/null || true
  say "stopped"
}
trap 'stop_server; exit 130' INT TERM HUP
trap stop_server EXIT

for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break
  kill -0 "$SERVER" 2>/dev/null || { say "code-server exited before it was ready"; exit 1; }
  sleep 0.1
done
curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null || { say "code-server did not answer on port $PORT within 30 s"; exit 1; }

URL="http://127.0.0.1:$PORT/?folder=$WORKSPACE"
say "ready in $(( ($(date +%s%N) - T0) / 1000000 )) ms; code-server runs as $RUN_AS (uid $RUN_UID)"
echo
echo "  PID Namespace Explorer is running: $URL"
echo "  (from another machine: ssh -L $PORT:127.0.0.1:$PORT <this host>, then open the same URL)"
echo "  Ctrl-C to stop."
echo
wait "$SERVER" || true
