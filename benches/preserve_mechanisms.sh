#!/bin/bash
# Times the two ways of replacing only the firewall's part of a shared table, on a throw-away
# namespace holding the Docker-shaped IPv4 rules of tests/kernel_preserve.rs (nf_tables):
#   (a) what pyptables does: iptables-save of the table + one full iptables-restore of the
#       merged text (and, for reference, the whole `docker_host apply` of both families);
#   (b) iptables-restore --noflush of the firewall's own chains + the anchor jump check.
# Needs root, python3 and iptables-nft. Usage: benches/preserve_mechanisms.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-20}
WORK=$(mktemp -d)
NS=pyptables-bench-preserve-$$
cleanup() { ip netns del "$NS" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
python3 - "$WORK/docker_v4.txt" <<'PY'
import re, sys
src = open('tests/kernel_preserve.rs').read()
text = re.search(r'const DOCKER_V4: &str = "(.*?)";\n', src, re.S).group(1).replace('\\"', '"')
open(sys.argv[1], 'w').write(text)
PY
cargo build -q --example docker_host
BIN=target/debug/examples/docker_host
ip netns add "$NS"
ip netns exec "$NS" iptables-nft-restore < "$WORK/docker_v4.txt"
export PYPTABLES_RUN_DIR="$WORK/run"
mkdir -p "$PYPTABLES_RUN_DIR"
ms() { echo $(( ($2 - $1) / RUNS / 1000000 )); }

s=$(date +%s%N)
for _ in $(seq "$RUNS"); do "$BIN" --netns "$NS" --backend nft apply --yes >/dev/null 2>&1 </dev/null; done
e=$(date +%s%N)
echo "docker_host apply (both families: snapshot, --test, save, merge, restore): $(ms "$s" "$e") ms"

ip netns exec "$NS" iptables-nft-save -c -t filter > "$WORK/merged.txt"
s=$(date +%s%N)
for _ in $(seq "$RUNS"); do
    ip netns exec "$NS" iptables-nft-save -c -t filter >/dev/null
    ip netns exec "$NS" iptables-nft-restore -w --counters < "$WORK/merged.txt"
done
e=$(date +%s%N)
echo "(a) iptables-save -t filter + full iptables-restore: $(ms "$s" "$e") ms"

cat > "$WORK/noflush.txt" <<'X'
*filter
:INPUT DROP [0:0]
:PYPT-INPUT - [0:0]
:DOCKER-USER - [0:0]
-A PYPT-INPUT -i lo -j ACCEPT
-A PYPT-INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A PYPT-INPUT -p icmp -j ACCEPT
-A PYPT-INPUT -s 198.51.100.0/24 -p tcp -m tcp --dport 22 -j ACCEPT
-A DOCKER-USER -p tcp -m conntrack ! --ctorigsrc 198.51.100.0/26 --ctorigdstport 8080 -j DROP
-A DOCKER-USER -j RETURN
COMMIT
X
s=$(date +%s%N)
for _ in $(seq "$RUNS"); do
    ip netns exec "$NS" iptables-nft-restore -w --noflush < "$WORK/noflush.txt"
    ip netns exec "$NS" iptables-nft -w -C INPUT -j PYPT-INPUT 2>/dev/null \
        || ip netns exec "$NS" iptables-nft -w -A INPUT -j PYPT-INPUT
done
e=$(date +%s%N)
echo "(b) iptables-restore --noflush + anchor check: $(ms "$s" "$e") ms"
