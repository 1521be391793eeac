#!/usr/bin/env bash
# Installs a root-owned copy of the pidns helper that polkit (and sudo) can safely run as root, plus the
# polkit action for it. Run as root, after `node scripts/build.mjs` (or from an installed .vsix: the
# extension's "PID Namespaces: Install the System Helper…" runs it through pkexec):
#   sudo bash scripts/install-system-helper.sh [--group NAME [--any-session]] [--node PATH] [--allow-user-source]
#   sudo bash scripts/install-system-helper.sh --uninstall
# --group NAME    also writes /etc/polkit-1/rules.d/50-pidns-explorer.rules: members of NAME may run the
#                 helper as root without a password, from a local, active session (a desktop login).
# --any-session   with --group: from any session, including SSH (Remote-SSH) and inactive ones. Whoever is in
#                 the group then gets a root view of every process from anywhere they can log in.
# --node PATH     the node binary to run it with (default: /usr/bin/node, /usr/local/bin/node). It must be a
#                 root-owned ELF executable in root-owned folders writable by nobody else; it is linked, never copied.
# --allow-user-source
#                 also accept source files owned by the invoking user (PKEXEC_UID / SUDO_UID): an extension
#                 installed under ~/.vscode-server belongs to its user. The administrator's authentication is
#                 the consent to copy them once; afterwards only the root-owned copy runs as root.
# Rules it enforces on itself: every source file and folder (and every folder above them) is root-owned
# (or, with --allow-user-source, the invoking user's) and not writable by group or others; no source is a
# symlink or contains one; what was copied is checked again after the copy (a file swapped meanwhile is
# caught); koffi's native package and pidns-init are required; and it ends with the launcher's own audit
# (`pidns audit-install`), removing the install on any finding.
# Layout (everything root:root, no group/other write; the launcher checks this before every use):
#   /usr/local/lib/pidns-explorer/pidns-helper        wrapper: fixed environment, fixed subcommand
#   /usr/local/lib/pidns-explorer/node                symlink to the root-owned system node
#   /usr/local/lib/pidns-explorer/dist/pidns.js       the bundle
#   /usr/local/lib/pidns-explorer/dist/native/pidns-init
#   /usr/local/lib/pidns-explorer/node_modules/koffi, node_modules/@koromix/koffi-<platform>-<arch>
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$SRC"

DEST=/usr/local/lib/pidns-explorer
ACTION=/usr/share/polkit-1/actions/org.pidns-explorer.helper.policy
RULES=/etc/polkit-1/rules.d/50-pidns-explorer.rules
GROUP=""
ANY_SESSION=""
NODE=""
USER_SOURCE=""

die() { echo "install-system-helper: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case $1 in
    --group) [ $# -ge 2 ] || die "--group needs a NAME"; GROUP=$2; shift 2 ;;
    --any-session) ANY_SESSION=1; shift ;;
    --node) [ $# -ge 2 ] || die "--node needs a PATH"; NODE=$2; shift 2 ;;
    --allow-user-source) USER_SOURCE=1; shift ;;
    --uninstall) rm -rf "$DEST" "$ACTION" "$RULES"; echo "removed $DEST, $ACTION, $RULES"; exit 0 ;;
    *) echo "usage: $0 [--group NAME [--any-session]] [--node PATH] [--allow-user-source] | --uninstall" >&2; exit 2 ;;
  esac
done

[ "$(id -u)" -eq 0 ] || die "run as root"
[ -z "$ANY_SESSION" ] || [ -n "$GROUP" ] || die "--any-session only applies with --group"
if [ -n "$GROUP" ] && ! getent group "$GROUP" >/dev/null; then die "no group $GROUP"; fi

# Whose files may the source be? root's; with --allow-user-source also the user pkexec or sudo acts for.
TRUSTED_UIDS=" 0 "
INVOKER=""
if [ -n "$USER_SOURCE" ]; then
  INVOKER=${PKEXEC_UID:-${SUDO_UID:-}}
  [[ $INVOKER =~ ^[0-9]{1,10}$ ]] || die "--allow-user-source needs PKEXEC_UID or SUDO_UID (run it through pkexec or sudo)"
  TRUSTED_UIDS=" 0 $INVOKER "
fi
SOURCE_HINT=""
[ -n "$USER_SOURCE" ] || SOURCE_HINT=" (or, through pkexec/sudo, pass --allow-user-source for your own)"

# Each component of an absolute path, from / down: owned by a trusted uid, not writable by group or others.
# $2 = the uids allowed (default root only). Symlinks in the path are resolved first.
safe_components() {
  local p owner mode allowed=${2:-" 0 "}
  p=$(readlink -f -- "$1") || { echo "$1 cannot be resolved"; return 1; }
  while :; do
    owner=$(stat -c %u -- "$p"); mode=$(stat -c %a -- "$p")
    case $allowed in *" $owner "*) ;; *) echo "$p is owned by uid $owner, not root"; return 1 ;; esac
    if [ $(( 0$mode & 022 )) -ne 0 ]; then echo "$p is writable by group or others (mode $mode)"; return 1; fi
    [ "$p" = / ] && return 0
    p=$(dirname -- "$p")
  done
}

# A source file or folder: not a symlink, no symlink inside, every entry trusted-owned and not group/other-writable.
check_source() {
  local item=$1 why bad
  [ -e "$item" ] || [ -L "$item" ] || die "$SRC/$item is missing${2:+: $2}"
  [ ! -L "$item" ] || die "refusing source $SRC/$item: it is a symlink (to $(readlink -- "$item")); install from the real files"
  why=$(safe_components "$SRC/$item" "$TRUSTED_UIDS") || die "refusing source $SRC/$item: $why; install from root-owned files$SOURCE_HINT"
  bad=$(find "$item" -type l -print -quit)
  [ -z "$bad" ] || die "refusing source $SRC/$item: it contains a symlink ($SRC/$bad)"
  bad=$(find "$item" \( -perm /022 -o ! -type f ! -type d \) -print -quit)
  [ -z "$bad" ] || die "refusing source $SRC/$bad: writable by group or others, or not a plain file or folder"
  if [ -n "$USER_SOURCE" ]; then bad=$(find "$item" ! -uid 0 ! -uid "$INVOKER" -print -quit); else bad=$(find "$item" ! -uid 0 -print -quit); fi
  [ -z "$bad" ] || die "refusing source $SRC/$bad: owned by uid $(stat -c %u -- "$bad"), not root; install from root-owned files$SOURCE_HINT"
}

is_elf() { [ "$(head -c 4 -- "$1" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; }

# node: a root-owned ELF in root-owned folders (a script or a user's copy would run as root with the caller's code).
if [ -z "$NODE" ]; then
  for n in /usr/bin/node /usr/local/bin/node; do [ -e "$n" ] && { NODE=$n; break; }; done
  [ -n "$NODE" ] || die "no system node in /usr/bin or /usr/local/bin (apt-get install nodejs, or pass --node PATH to a root-owned node)"
fi
NODE_REAL=$(readlink -f -- "$NODE") || die "node $NODE cannot be resolved"
[ -f "$NODE_REAL" ] && [ -x "$NODE_REAL" ] || die "node $NODE is not an executable file"
why=$(safe_components "$NODE_REAL") || die "refusing node $NODE: $why (it would run as root; use a root-owned node, e.g. apt-get install nodejs)"
is_elf "$NODE_REAL" || die "refusing node $NODE: $NODE_REAL is not an ELF executable (a script could run anything as root)"

PLATFORM=$("$NODE_REAL" -p 'process.platform + "-" + process.arch')
KOFFI_NATIVE=node_modules/@koromix/koffi-$PLATFORM
check_source package.json
check_source dist/pidns.js "run node scripts/build.mjs first"
check_source dist/native/pidns-init "the native init is required (build it with node scripts/build.mjs; a C compiler is needed)"
is_elf dist/native/pidns-init || die "refusing source $SRC/dist/native/pidns-init: not an ELF executable"
check_source node_modules/koffi "run npm ci first"
check_source "$KOFFI_NATIVE" "koffi's native package for $PLATFORM is required"
check_source media/org.pidns-explorer.helper.policy

umask 022
STAGE=$(mktemp -d "/usr/local/lib/.pidns-explorer.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/dist/native" "$STAGE/node_modules/@koromix"
# -P: a symlink is copied as a symlink, never followed; with the check below, a source file swapped for a
# link (or a device or FIFO) between the checks above and this copy is refused, not read through.
cp -P -- package.json "$STAGE/package.json" # the helper reports its version from it
cp -P -- dist/pidns.js "$STAGE/dist/pidns.js"
cp -P -- dist/native/pidns-init "$STAGE/dist/native/pidns-init"
cp -RP -- node_modules/koffi "$STAGE/node_modules/koffi"
cp -RP -- "$KOFFI_NATIVE" "$STAGE/node_modules/@koromix/"
cp -P -- media/org.pidns-explorer.helper.policy "$STAGE/policy.tmp"
bad=$(find "$STAGE" ! -type f ! -type d -print -quit)
[ -z "$bad" ] || die "refusing: ${bad#"$STAGE"/} changed into a link or special file while it was copied"
is_elf "$STAGE/dist/native/pidns-init" || die "refusing: dist/native/pidns-init changed while it was copied"
ln -s "$NODE_REAL" "$STAGE/node"
# env -i: only the variables the helper needs survive (NODE_OPTIONS and friends would let the caller
# load code into a root process); the subcommand is fixed, the caller's arguments are dropped.
cat > "$STAGE/pidns-helper" <<WRAP
#!/bin/sh
exec /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \\
  \${PKEXEC_UID:+PKEXEC_UID="\$PKEXEC_UID"} \\
  \${SUDO_UID:+SUDO_UID="\$SUDO_UID"} \${SUDO_GID:+SUDO_GID="\$SUDO_GID"} \${SUDO_USER:+SUDO_USER="\$SUDO_USER"} \\
  $DEST/node $DEST/dist/pidns.js helper
WRAP
chown -R -h root:root "$STAGE"
chmod -R go-w "$STAGE"
chmod 755 "$STAGE" "$STAGE/pidns-helper" "$STAGE/dist/native/pidns-init"
mv "$STAGE/policy.tmp" "$STAGE.policy"
trap 'rm -rf "$STAGE" "$STAGE.policy"' EXIT
rm -rf "$DEST"
mv -T "$STAGE" "$DEST" # -T: never into a DEST that appeared meanwhile

# The launcher's own audit, run by the copy just installed: any finding undoes the install.
if ! "$DEST/node" "$DEST/dist/pidns.js" audit-install "$DEST/pidns-helper" >/dev/null; then
  rm -rf "$DEST"
  die "the installed helper failed the audit above; removed $DEST"
fi

install -o root -g root -m 644 "$STAGE.policy" "$ACTION"
rm -f "$STAGE.policy"
trap - EXIT
if [ -n "$GROUP" ]; then
  if [ -n "$ANY_SESSION" ]; then
    WHO="members of $GROUP, from any session (also SSH and inactive ones; installed with --any-session),"
    COND="subject.isInGroup(\"$GROUP\")"
  else
    WHO="members of $GROUP, from a local, active session only,"
    COND="subject.local && subject.active && subject.isInGroup(\"$GROUP\")"
  fi
  cat > "$RULES.tmp" <<RULE
// Written by pidns-explorer's install-system-helper.sh: $WHO may run the root-owned
// helper ($DEST/pidns-helper) as root without a password. It gives them a root view of every process.
polkit.addRule(function (action, subject) {
  if (action.id === "org.pidns-explorer.helper" && $COND) return polkit.Result.YES;
});
RULE
  chmod 644 "$RULES.tmp"
  mv "$RULES.tmp" "$RULES"
fi
echo "installed $DEST/pidns-helper (node: $NODE_REAL) and $ACTION${GROUP:+ and $RULES (group $GROUP${ANY_SESSION:+, any session})}"
