"""The benchmark ruleset written with python-pyptables 1.0.7.

    python pyptables_rules.py N [--timing] > rules.txt

Builds a FORWARD chain (filter table, policy DROP) of N rules through the
library's model (Tables/Table/BuiltinChain/Rule/Match) and prints
`tables.to_iptables()`. With --timing, the in-process build and render times
are printed on stderr (interpreter start-up and imports excluded).
"""
import sys
import time

from pyptables import BuiltinChain, Rule, Table, Tables
from pyptables.rules.matches import Match


def build(n):
    forward = BuiltinChain("FORWARD", "DROP")
    for i in range(1, n + 1):
        forward.append(
            Rule(
                proto="tcp",
                source="10.%d.%d.%d/32" % ((i >> 16) & 255, (i >> 8) & 255, i & 255),
                destination="192.0.2.%d/32" % (i % 250 + 1),
                args=[
                    Match("tcp", dport=str(1024 + i % 60000)),
                    Match("conntrack", ctstate="NEW"),
                ],
                comment="rule %d" % i,
                jump="ACCEPT",
            )
        )
    return Tables(Table("filter", forward))


def main():
    n = int(sys.argv[1])
    t0 = time.perf_counter()
    tables = build(n)
    t1 = time.perf_counter()
    text = tables.to_iptables()
    t2 = time.perf_counter()
    sys.stdout.write(text)
    sys.stdout.flush()
    if "--timing" in sys.argv[2:]:
        sys.stderr.write("pyptables-timing build=%.6f render=%.6f\n" % (t1 - t0, t2 - t1))


if __name__ == "__main__":
    main()
