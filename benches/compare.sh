#!/usr/bin/env bash
# Side-by-side benchmark of this crate against python-pyptables 1.0.7, ferm and
# iptables (bare iptables-restore, and one `iptables -A` process per rule).
#
#   benches/compare.sh [--no-install] [--sizes 1000,10000,100000] [--runs 5]
#                      [--apply-sizes 1000,10000] [--no-apply] [--no-render] ...
#   benches/compare.sh --help        all options of the driver
#
# Installs what it needs when it can (root + apt-get: python3-venv, ferm,
# iproute2, iptables; pip: pyptables==1.0.7 into a throw-away virtual
# environment under target/bench-compare/venv), otherwise says what is missing
# and runs the rest. The apply comparison needs root; it works only inside
# throw-away network namespaces named bench-<pid>-*, all deleted on exit.
#
# Our side: BENCH_OURS_RENDER / BENCH_OURS_APPLY (or --ours-render/--ours-apply),
# default target/release/examples/{render_bench,apply_bench} N, built first with
# cargo when their sources exist (--no-build to skip).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
target=${CARGO_TARGET_DIR:-$repo/target}
work=$target/bench-compare
venv=$work/venv
pyptables_version=1.0.7

for a in "$@"; do
    case "$a" in
        -h|--help) exec python3 "$here/compare/compare.py" --help ;;
    esac
done

install=1
args=()
for a in "$@"; do
    case "$a" in
        --no-install) install=0 ;;
        *) args+=("$a") ;;
    esac
done

missing=()
apt_updated=0
can_apt() { [ "$install" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }
apt_install() {
    can_apt || return 1
    if [ "$apt_updated" = 0 ]; then
        apt-get update -qq || return 1
        apt_updated=1
    fi
    echo ">> apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Python 3.9+ with venv/ensurepip: runs the driver and hosts pyptables.
py_ok() { command -v python3 >/dev/null 2>&1 && python3 -c 'import sys; sys.exit(sys.version_info < (3, 9))' 2>/dev/null; }
venv_ok() { python3 -c 'import venv, ensurepip' >/dev/null 2>&1; }
if ! py_ok || ! venv_ok; then
    apt_install python3 python3-venv || true
fi
if ! py_ok; then
    echo "!! python3 (3.9 or newer) is missing and could not be installed: apt-get install python3" >&2
    exit 2
fi

# ferm. Its package can enable a boot-time firewall: answer no before installing.
if ! command -v ferm >/dev/null 2>&1; then
    if can_apt; then
        echo 'ferm ferm/enable boolean false' | debconf-set-selections 2>/dev/null || true
    fi
    apt_install ferm || missing+=("ferm (apt-get install ferm)")
fi

# Apply comparison: ip + iptables (only useful as root).
if [ "$(id -u)" = 0 ]; then
    command -v ip >/dev/null 2>&1 || apt_install iproute2 || missing+=("ip (apt-get install iproute2)")
    command -v iptables-restore >/dev/null 2>&1 || apt_install iptables || missing+=("iptables (apt-get install iptables)")
fi

# python-pyptables in a throw-away virtual environment.
have_pyptables() {
    "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('pyptables') != '$pyptables_version')" 2>/dev/null
}
if ! have_pyptables; then
    if [ "$install" = 1 ] && venv_ok; then
        echo ">> creating $venv with pyptables==$pyptables_version"
        rm -rf "$venv"
        mkdir -p "$work"
        if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q --disable-pip-version-check "pyptables==$pyptables_version"; }; then
            echo "!! pip install pyptables==$pyptables_version failed" >&2
        fi
    fi
    have_pyptables || missing+=("python-pyptables $pyptables_version (python3 -m venv $venv && $venv/bin/pip install pyptables==$pyptables_version)")
fi

if [ ${#missing[@]} -gt 0 ]; then
    echo "!! missing, the comparison goes on without it:"
    printf '!!   %s\n' "${missing[@]}"
fi

prefix="bench-$$"
cleanup() {
    command -v ip >/dev/null 2>&1 || return 0
    ip netns list 2>/dev/null | awk '{print $1}' | grep "^$prefix-" | while read -r ns; do
        ip netns del "$ns"
    done
}
trap cleanup EXIT

pyptables_python=""
have_pyptables && pyptables_python=$venv/bin/python

# The driver runs in the background so that a signal reaches this script at once:
# the driver is told to stop (it deletes its namespaces), then the EXIT trap sweeps.
BENCH_NS_PREFIX=$prefix BENCH_PYPTABLES_PYTHON=$pyptables_python \
    python3 "$here/compare/compare.py" --workdir "$work" ${args[@]+"${args[@]}"} &
driver=$!
stop() {
    kill -TERM "$driver" 2>/dev/null
    wait "$driver"
    exit "$1"
}
trap 'stop 130' INT
trap 'stop 143' TERM
trap 'stop 129' HUP
wait "$driver"
