#!/usr/bin/env bash
# Installs a root-owned copy of the pidns helper that polkit (and sudo) can safely run as root, plus the
# polkit action for it. Run as root, after `node scripts/build.mjs`:
#   sudo bash scripts/install-system-helper.sh [--group NAME] [--node PATH]
#   sudo bash scripts/install-system-helper.sh --uninstall
# --group NAME  also writes /etc/polkit-1/rules.d/50-pidns-explorer.rules: members of NAME may run the
#               helper as root without a password (pre-authorisation).
# --node PATH   the node binary to run it with (default: `command -v node`); copied in unless it and every
#               folder above it are root-owned and not writable by group or others.
# Layout (everything root:root, no group/other write; the launcher checks this before every use):
#   /usr/local/lib/pidns-explorer/pidns-helper        wrapper: fixed environment, fixed subcommand
#   /usr/local/lib/pidns-explorer/node                node (symlink to a safe system node, or a copy)
#   /usr/local/lib/pidns-explorer/dist/pidns.js       the bundle
#   /usr/local/lib/pidns-explorer/dist/native/pidns-init
#   /usr/local/lib/pidns-explorer/node_modules/koffi, node_modules/@koromix/koffi-<platform>-<arch>
set -euo pipefail
cd "$(dirname "$0")/.."

DEST=/usr/local/lib/pidns-explorer
ACTION=/usr/share/polkit-1/actions/org.pidns-explorer.helper.policy
RULES=/etc/polkit-1/rules.d/50-pidns-explorer.rules
GROUP=""
NODE=$(command -v node || true)

while [ $# -gt 0 ]; do
  case $1 in
    --group) GROUP=$2; shift 2 ;;
    --node) NODE=$2; shift 2 ;;
    --uninstall) rm -rf "$DEST" "$ACTION" "$RULES"; echo "removed $DEST, $ACTION, $RULES"; exit 0 ;;
    *) echo "usage: $0 [--group NAME] [--node PATH] | --uninstall" >&2; exit 2 ;;
  esac
done

[ "$(id -u)" -eq 0 ] || { echo "install-system-helper: run as root" >&2; exit 1; }
[ -f dist/pidns.js ] || { echo "install-system-helper: dist/pidns.js missing; run node scripts/build.mjs first" >&2; exit 1; }
[ -n "$NODE" ] && [ -x "$NODE" ] || { echo "install-system-helper: no node binary (use --node PATH)" >&2; exit 1; }
if [ -n "$GROUP" ] && ! getent group "$GROUP" >/dev/null; then echo "install-system-helper: no group $GROUP" >&2; exit 1; fi

# Is every component of a path root-owned and not group/other-writable? (the launcher's own rule)
root_safe() {
  local p
  p=$(readlink -f "$1") || return 1
  while :; do
    [ "$(stat -c %u "$p")" = 0 ] || return 1
    [ $(( 0$(stat -c %a "$p") & 022 )) -eq 0 ] || return 1
    [ "$p" = / ] && return 0
    p=$(dirname "$p")
  done
}

umask 022
STAGE=$(mktemp -d "/usr/local/lib/.pidns-explorer.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/dist/native" "$STAGE/node_modules"
cp dist/pidns.js "$STAGE/dist/pidns.js"
cp package.json "$STAGE/package.json" # the helper reports its version from it
[ -f dist/native/pidns-init ] && cp dist/native/pidns-init "$STAGE/dist/native/pidns-init"
cp -r node_modules/koffi "$STAGE/node_modules/koffi"
# koffi's native part for this platform ships as a separate package (@koromix/koffi-linux-x64, …).
KOFFI_NATIVE=node_modules/@koromix/koffi-$("$NODE" -p 'process.platform + "-" + process.arch')
if [ -d "$KOFFI_NATIVE" ]; then mkdir -p "$STAGE/node_modules/@koromix"; cp -r "$KOFFI_NATIVE" "$STAGE/node_modules/@koromix/"; fi
if root_safe "$NODE"; then ln -s "$(readlink -f "$NODE")" "$STAGE/node"; else cp "$NODE" "$STAGE/node"; fi
# env -i: only the variables the helper needs survive (NODE_OPTIONS and friends would let the caller
# load code into a root process); the subcommand is fixed, the caller's arguments are dropped.
cat > "$STAGE/pidns-helper" <<WRAP
#!/bin/sh
exec /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \\
  \${PKEXEC_UID:+PKEXEC_UID="\$PKEXEC_UID"} \\
  \${SUDO_UID:+SUDO_UID="\$SUDO_UID"} \${SUDO_GID:+SUDO_GID="\$SUDO_GID"} \${SUDO_USER:+SUDO_USER="\$SUDO_USER"} \\
  $DEST/node $DEST/dist/pidns.js helper
WRAP
chmod 755 "$STAGE" "$STAGE/pidns-helper"
chown -R root:root "$STAGE"
chmod -R go-w "$STAGE"
rm -rf "$DEST"
mv "$STAGE" "$DEST"
trap - EXIT

install -o root -g root -m 644 media/org.pidns-explorer.helper.policy "$ACTION"
if [ -n "$GROUP" ]; then
  cat > "$RULES.tmp" <<RULE
// Written by pidns-explorer's install-system-helper.sh: members of $GROUP may run the root-owned
// helper ($DEST/pidns-helper) as root without a password.
polkit.addRule(function (action, subject) {
  if (action.id === "org.pidns-explorer.helper" && subject.isInGroup("$GROUP")) return polkit.Result.YES;
});
RULE
  chmod 644 "$RULES.tmp"
  mv "$RULES.tmp" "$RULES"
fi
echo "installed $DEST/pidns-helper and $ACTION${GROUP:+ and $RULES (group $GROUP)}"
