#!/usr/bin/env bash
# postfix-relay.sh — a private Postfix instance that relays everything it is given to one host, the
# peer that `npm run bench:send -- --peer` measures our sending against. Postfix as a relay: mail from
# 127.0.0.0/8 (mynetworks, no SASL) is queued (fsynced before its 250, as ours is) and delivered to
# relayhost [127.0.0.1]:$SINK_PORT, with Postfix's own defaults for how it sends: up to 20 parallel
# connections per destination (default_destination_concurrency_limit), connections cached and reused
# under load (smtp_connection_cache_on_demand), PIPELINING. No Dovecot, no DNS, loopback only.
# Everything lives under $PEERS (the system's /etc/postfix/main.cf is neither used nor changed).
#
# Usage: SINK_PORT=NNNN postfix-relay.sh start   write the config for that sink and (re)start
#        postfix-relay.sh stop | status | flush-queue
# Settings: PEERS (default /tmp/edgemail-relay-peer), SMTP_PORT (default 2645).
set -euo pipefail
# shellcheck source=postfix-instance.sh
source "$(dirname "${BASH_SOURCE[0]}")/postfix-instance.sh"

PEERS=${PEERS:-/tmp/edgemail-relay-peer}
PF=$PEERS/postfix
SMTP_PORT=${SMTP_PORT:-2645}

log() { echo "[postfix-relay] $*" >&2; }

need_postfix() {
  if ! command -v postfix >/dev/null; then
    log "postfix is not installed (Debian: apt-get install postfix)"
    exit 1
  fi
}

write_config() {
  : "${SINK_PORT:?set SINK_PORT to the port of the host to relay to}"
  write_instance "$PF" "$SMTP_PORT" relay.bench.test bench.test <<CF
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:$SINK_PORT
CF
}

running() { postfix -c "$PF/etc" status >/dev/null 2>&1; }

start() {
  need_postfix
  write_config
  # Daemons must not inherit our stdout (a pipe would never see EOF).
  if running; then postfix -c "$PF/etc" reload </dev/null >>"$PF/log/start.log" 2>&1
  else postfix -c "$PF/etc" start </dev/null >>"$PF/log/start.log" 2>&1; fi
  for _ in $(seq 1 50); do
    if ss -ltn | grep -q "127.0.0.1:$SMTP_PORT "; then log "up: smtp 127.0.0.1:$SMTP_PORT → relayhost [127.0.0.1]:$SINK_PORT"; return 0; fi
    sleep 0.2
  done
  log "ERROR: 127.0.0.1:$SMTP_PORT is not listening"; return 1
}

stop() {
  if [[ -f $PF/etc/main.cf ]] && running; then postfix -c "$PF/etc" stop </dev/null >>"$PF/log/start.log" 2>&1; log "stopped"; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if [[ -f $PF/etc/main.cf ]] && running; then echo running; else echo stopped; fi ;;
  # Whatever an interrupted run left queued would otherwise reach the next run's sink.
  flush-queue) postsuper -c "$PF/etc" -d ALL >/dev/null 2>&1 || true ;;
  *) echo "usage: SINK_PORT=N $0 start | $0 stop | status | flush-queue" >&2; exit 2 ;;
esac
