#!/usr/bin/env bash
# System services the privilege ladder needs when there is no systemd (VMs, containers, CI):
# the system D-Bus, and polkitd behind it.
#   bash scripts/services.sh start   start the system bus if it is not answering; idempotent
#   bash scripts/services.sh status  say what answers; exit 0 only if the bus answers and polkit is reachable
#   bash scripts/services.sh stop    stop the polkitd and dbus-daemon this machine runs (shared by every user!)
# polkitd is NOT started by hand: D-Bus activation starts it on the first pkexec (~55 ms).
# Starting it by hand as well would race activation and one of the two exits.
set -euo pipefail

RUN_DIR=/run/dbus
PID_FILE=$RUN_DIR/pid
SOCKET=$RUN_DIR/system_bus_socket
POLKIT=org.freedesktop.PolicyKit1

bus_call() { # method [args...]: a call on the bus itself, with a short timeout
  local method=$1; shift
  dbus-send --system --print-reply --reply-timeout=2000 --dest=org.freedesktop.DBus \
    /org/freedesktop/DBus "org.freedesktop.DBus.$method" "$@" 2>/dev/null
}

bus_answers() { bus_call GetId >/dev/null; }

# Side-effect-free polkit checks: asking polkit itself would activate it.
polkit_owned() { bus_call NameHasOwner "string:$POLKIT" | grep -q 'boolean true'; }
polkit_activatable() { bus_call ListActivatableNames | grep -q "\"$POLKIT\""; }

start_bus() {
  if bus_answers; then return 0; fi
  [ "$(id -u)" -eq 0 ] || { echo "services: the system bus is down and only root can start it" >&2; return 1; }
  mkdir -p "$RUN_DIR"
  # A pid file or socket left by a bus that died with the VM makes dbus-daemon refuse to start.
  if [ -f "$PID_FILE" ] && ! kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then rm -f "$PID_FILE"; fi
  if [ ! -f "$PID_FILE" ]; then rm -f "$SOCKET"; fi
  dbus-daemon --system --fork
  local i
  for i in $(seq 1 50); do
    bus_answers && return 0
    sleep 0.1
  done
  echo "services: dbus-daemon started but the system bus does not answer after 5 s" >&2
  return 1
}

cmd_start() {
  start_bus
  if ! polkit_owned && ! polkit_activatable; then
    echo "services: polkitd is neither running nor activatable (is the polkitd package installed?)" >&2
    return 1
  fi
  cmd_status
}

cmd_status() {
  if ! bus_answers; then echo "system bus: down"; return 1; fi
  echo "system bus: up (pid $(cat "$PID_FILE" 2>/dev/null || echo '?'))"
  if polkit_owned; then echo "polkit: running"
  elif polkit_activatable; then echo "polkit: activatable (starts on first use)"
  else echo "polkit: unavailable"; return 1
  fi
}

cmd_stop() {
  if bus_answers && polkit_owned; then
    local pk
    pk=$(bus_call GetConnectionUnixProcessID "string:$POLKIT" | awk '/uint32/ {print $2}')
    [ -n "$pk" ] && kill "$pk" 2>/dev/null || true
  fi
  if [ -f "$PID_FILE" ]; then
    kill "$(cat "$PID_FILE")" 2>/dev/null || true
    rm -f "$PID_FILE"
  fi
  rm -f "$SOCKET"
  echo "system bus: stopped"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
