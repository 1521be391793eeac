#!/usr/bin/env bash
# System parts the tests and the product need, installed once.
# Idempotent and fast: when every package is already there it runs no apt at all
# (dpkg-query only), and the code-server install is a marker-file check.
# Usage: bash scripts/ensure-deps.sh [--no-code-server]
set -euo pipefail
cd "$(dirname "$0")/.."

# Why each package is here:
#  pkexec polkitd dbus   the privilege ladder the extension climbs (see shared notes privilege.md)
#  chromium              the browser Playwright drives (npx playwright install cannot download here)
#  sudo util-linux procps  tests switch users (runuser/sudo), inspect and kill processes
#  build-essential python3 pkg-config lib*-dev   code-server's native modules (node-pty, kerberos, native-keymap, keytar)
#  ripgrep               fed to @vscode/ripgrep's postinstall, which would otherwise download from GitHub
#  unzip                 the packaging test reads the .vsix files
#  gcc-*-linux-gnu libc6-dev-*-cross   npm run package cross-compiles the native init for the other architecture
#  docker.io podman containerd runc busybox-static   the container tests run real engines offline: dockerd (and
#                        its containerd, driven by ctr the CRI way), rootful podman (with runc: crun refuses
#                        cgroup v1 hybrid here), images made from busybox-static with `docker import`
PACKAGES=(pkexec polkitd dbus chromium sudo util-linux procps build-essential python3 pkg-config
  libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev ripgrep unzip
  docker.io podman containerd runc busybox-static)
case "$(uname -m)" in
  x86_64) PACKAGES+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross) ;;
  aarch64) PACKAGES+=(gcc-x86-64-linux-gnu libc6-dev-amd64-cross) ;;
esac

missing_packages() { # prints the packages of "$@" that are not installed
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

apt_install() { # installs "$@" if any is missing; apt-get update only then
  local missing
  mapfile -t missing < <(missing_packages "$@")
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-deps: missing ${missing[*]} and not root; install them with apt-get" >&2
    return 1
  fi
  echo "ensure-deps: installing ${missing[*]}"
  # Other jobs on the machine may hold the dpkg lock: wait for it rather than fail.
  local apt=(apt-get -o DPkg::Lock::Timeout=600 -y -q)
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" update
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install --no-install-recommends "${missing[@]}"
}

# The user the VS Code tests run code-server as, so the extension must climb to root
# through the real pkexec. Kept between runs (a user is cheap and tests expect it).
ensure_test_user() {
  local user=${PIDNS_TEST_USER:-pidns-test}
  id "$user" >/dev/null 2>&1 && return 0
  [ "$(id -u)" -eq 0 ] || { echo "ensure-deps: user $user missing and not root" >&2; return 1; }
  useradd --create-home --shell /bin/bash "$user"
  echo "ensure-deps: created user $user"
}

apt_install "${PACKAGES[@]}"
ensure_test_user
if [ "${1:-}" != "--no-code-server" ]; then
  bash scripts/install-code-server.sh >/dev/null
fi
echo "ensure-deps: ok"
