#!/usr/bin/env bash
# The gateway on the shipped samples: DCMTK's storescp as the destination, the gateway between,
# DCMTK's storescu sending the PHI-planted study in tests/data. Everything listens on 127.0.0.1
# inside a private network namespace (unshare), so nothing is reachable from outside.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${GATEWAY_DEMO_INSIDE:-}" ]; then
  bash tools/setup.sh >/dev/null
  bash tools/build.sh
  flags=-n; [ "$(id -u)" -ne 0 ] && flags=-rn
  exec env GATEWAY_DEMO_INSIDE=1 unshare $flags bash "$0" "$@"
fi
ip link set lo up
work=$(mktemp -d /tmp/dicomscrub-gateway-demo.XXXXXX)
exe=build/cli/dicomscrub
$exe keygen "$work/site.key" >/dev/null
mkdir -p "$work/received"
TCP_NODELAY=1 /usr/bin/storescp -aet SINK -od "$work/received" +B 11113 &
scp_pid=$!
$exe gateway --listen 127.0.0.1:11112 --ae-title GATEWAY --allow-calling MODALITY@127.0.0.1 \
  --key-file "$work/site.key" --spool "$work/spool" --forward SINK@127.0.0.1:11113 --study-quiet 1 &
gw_pid=$!
trap 'kill $gw_pid $scp_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do /usr/bin/echoscu -aet MODALITY -aec GATEWAY 127.0.0.1 11112 2>/dev/null && break; sleep 0.1; done
TCP_NODELAY=1 /usr/bin/storescu -aet MODALITY -aec GATEWAY 127.0.0.1 11112 tests/data/phi/Quixote_Zebulon/*.dcm tests/data/ct_explicit_le.dcm 2>/dev/null
sleep 3
kill -TERM $gw_pid; wait $gw_pid || true
echo; echo "== what storescp received (pseudonymized SOP Instance UIDs):"; ls "$work/received"
echo; echo "== the gateway's report ($work/spool/reports.jsonl):"; cat "$work/spool/reports.jsonl"
echo; echo "== status ($work/spool/status.json):"; cat "$work/spool/status.json"
if grep -rl -e Zebulon -e 88123456 "$work/received" >/dev/null; then echo "LEAK: a planted value arrived"; exit 1; fi
echo; echo "no planted name or MRN in any received byte"
