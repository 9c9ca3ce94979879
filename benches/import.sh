#!/usr/bin/env bash
# Times `pyptables import` (parse + import + code generation) of an iptables-save file of
# N rules (default 100,000) against `iptables-restore --test` of the same file in a
# throw-away network namespace, and prints both and their ratio.
#
#   benches/import.sh [--rules N] [--runs R]      (root, iptables, python3)
set -euo pipefail

rules=100000
runs=3
while [ $# -gt 0 ]; do
    case "$1" in
        --rules) rules=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        *) echo "usage: $0 [--rules N] [--runs R]" >&2; exit 2 ;;
    esac
done

repo=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$repo/target}
work=$(mktemp -d)
ns="pyptables-import-bench-$$"
cleanup() {
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

(cd "$repo" && cargo build --quiet --profile bench -p pyptables --bin pyptables)
bin="$target/release/pyptables"

# A ruleset shaped like a real one: sources, ports, states, comments, user chains.
python3 - "$rules" > "$work/rules.v4" <<'PY'
import sys
n = int(sys.argv[1])
print("*filter")
print(":INPUT DROP [0:0]")
print(":FORWARD DROP [0:0]")
print(":OUTPUT ACCEPT [0:0]")
chains = [f"svc-{i}" for i in range(100)]
for c in chains:
    print(f":{c} - [0:0]")
for i in range(n):
    a, b = (i >> 8) & 255, i & 255
    k = i % 5
    chain = "FORWARD" if i % 3 else chains[i % 100]
    if k == 0:
        print(f"-A {chain} -s 10.{a}.{b}.0/24 -p tcp -m tcp --dport {1 + i % 65535} -m conntrack --ctstate NEW -m comment --comment \"rule {i}\" -j ACCEPT")
    elif k == 1:
        print(f"-A {chain} -d 172.16.{a}.{b}/32 -i eth0 -p udp -m udp --sport 53 -j DROP")
    elif k == 2:
        print(f"-A {chain} ! -s 192.168.{a}.{b}/32 -p tcp -m multiport --dports 80,443,{1024 + i % 60000} -j REJECT --reject-with tcp-reset")
    elif k == 3:
        print(f"-A {chain} -m limit --limit 5/sec -j LOG --log-prefix \"r{i}: \" --log-level 4")
    else:
        print(f"-A {chain} -s 10.{a}.{b}.1/32 -j {chains[(i + 1) % 100]}")
print("COMMIT")
PY

ip netns add "$ns"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }

imp=()
res=()
for _ in $(seq "$runs"); do
    t0=$(now); "$bin" import "$work/rules.v4" > "$work/main.rs"; t1=$(now)
    imp+=("$(echo "$t1 - $t0" | bc -l)")
    t0=$(now); ip netns exec "$ns" iptables-restore --test < "$work/rules.v4"; t1=$(now)
    res+=("$(echo "$t1 - $t0" | bc -l)")
done
mi=$(printf '%s\n' "${imp[@]}" | median)
mr=$(printf '%s\n' "${res[@]}" | median)
printf 'rules: %d (%d lines of DSL written)\n' "$rules" "$(wc -l < "$work/main.rs")"
printf 'pyptables import (parse + import + DSL): %.3f s\n' "$mi"
printf 'iptables-restore --test:                 %.3f s\n' "$mr"
printf 'ratio import / restore --test:           %.2f\n' "$(echo "$mi / $mr" | bc -l)"
