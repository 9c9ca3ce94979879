#!/bin/sh
# The full differential run of `pyptables::explain` against the kernel (as root): random
# rulesets and packets, IPv4 and IPv6, nft and legacy backends; every definite answer of the
# simulator must name exactly the rules whose kernel counters moved. See tests/explain_kernel.rs.
#   benches/explain_kernel.sh [RULESETS [PACKETS [SEED]]]   (per family and backend)
set -eu
cd "$(dirname "$0")/.."
PYPTABLES_EXPLAIN_RULESETS="${1:-30}" PYPTABLES_EXPLAIN_PACKETS="${2:-100}" \
PYPTABLES_EXPLAIN_SEED="${3:-1592678228}" \
    cargo test --test explain_kernel -- --include-ignored --nocapture 2>&1 |
    grep -E 'agreed|disagree|test result|panicked'
