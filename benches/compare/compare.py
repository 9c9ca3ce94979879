#!/usr/bin/env python3
"""Side-by-side benchmark: this crate against python-pyptables 1.0.7, ferm and iptables.

Normally started through benches/compare.sh, which installs what is missing
(ferm, a virtual environment with pyptables==1.0.7) and then runs this driver.

Render: for each N, the same N-rule FORWARD chain (see ruleset.py) is produced
by a pyptables program, by `ferm --noexec --lines FILE` and by our
render command; each is timed over several runs (median wall time of the
whole process) and its rule lines are checked against the reference text.

Apply (root only): in a fresh network namespace per measurement, the same
ruleset is applied by a bare `iptables-restore < file`, by one `iptables -A`
process per rule (what the `iptables` crate does) and by our apply command.

Our side is two commands, overridable with --ours-render/--ours-apply or the
BENCH_OURS_RENDER/BENCH_OURS_APPLY environment variables. `{n}` is replaced by
the rule count and `{file}` by the reference iptables-restore file; without a
placeholder, N is appended. Defaults:

    target/release/examples/render_bench {n}   prints the iptables-restore text
    target/release/examples/apply_bench {n}    applies the ruleset in the
                                               current network namespace
A command whose program is missing is reported and skipped.
"""
import argparse
import atexit
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # keep the source tree clean

import ruleset  # noqa: E402

# A first run slower than this is counted as a timed run instead of a warm-up.
WARMUP_LIMIT_S = 5.0


def log(msg=""):
    print(msg, flush=True)


def warn(msg):
    print("!! " + msg, flush=True)


# --------------------------------------------------------------------------
# Network namespaces (every one created here is deleted on exit)

class Namespaces:
    def __init__(self, prefix):
        self.prefix = prefix
        self.live = set()
        self.counter = 0

    def create(self, tag):
        self.counter += 1
        name = "%s-%s-%d" % (self.prefix, tag, self.counter)
        subprocess.run(["ip", "netns", "add", name], check=True)
        self.live.add(name)
        return name

    def delete(self, name):
        if name in self.live:
            subprocess.run(["ip", "netns", "del", name], stderr=subprocess.DEVNULL)
            self.live.discard(name)

    def delete_all(self):
        for name in sorted(self.live):
            self.delete(name)


NS = None


def _cleanup():
    if NS is not None:
        NS.delete_all()


def _on_signal(signum, _frame):
    raise SystemExit(128 + signum)


# --------------------------------------------------------------------------
# Timing

class Run:
    def __init__(self, seconds, rc, stderr):
        self.seconds = seconds
        self.rc = rc
        self.stderr = stderr


def run_once(argv, stdin_path=None, stdout_path=None, env=None):
    """Run argv to completion; wall time, exit code and stderr."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    stdout = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    try:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, env=env)
        try:
            err = proc.stderr.read()
            proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            proc.stderr.close()
        t1 = time.perf_counter()
    finally:
        if stdin_path:
            stdin.close()
        if stdout_path:
            stdout.close()
    return Run(t1 - t0, proc.returncode, err.decode("utf-8", "replace"))


def tail(text, lines=8):
    return "\n".join(("    " + line) for line in text.strip().splitlines()[-lines:])


class Measurement:
    def __init__(self, times, note=""):
        self.times = times
        self.note = note

    @property
    def median(self):
        return statistics.median(self.times)

    @property
    def minimum(self):
        return min(self.times)


def measure_process(label, argv, runs, stdout_path=None, stdin_path=None, env=None, on_timed=None):
    """Warm-up run then `runs` timed runs (on_timed(run) is called for each). None on failure."""
    first = run_once(argv, stdin_path=stdin_path, stdout_path=stdout_path, env=env)
    if first.rc != 0:
        warn("%s failed (exit %d): %s\n%s" % (label, first.rc, " ".join(argv), tail(first.stderr)))
        return None, first
    times = []
    if first.seconds > WARMUP_LIMIT_S:
        times.append(first.seconds)
        if on_timed:
            on_timed(first)
    while len(times) < runs:
        r = run_once(argv, stdin_path=stdin_path, stdout_path=stdout_path, env=env)
        if r.rc != 0:
            warn("%s failed on a timed run (exit %d)\n%s" % (label, r.rc, tail(r.stderr)))
            return None, r
        times.append(r.seconds)
        if on_timed:
            on_timed(r)
    return Measurement(times), first


# --------------------------------------------------------------------------
# Normalising rule lines for the equivalence check

LONG_OPTS = {
    "--append": "-A", "--source": "-s", "--src": "-s", "--destination": "-d", "--dst": "-d",
    "--protocol": "-p", "--jump": "-j", "--goto": "-g", "--match": "-m",
    "--in-interface": "-i", "--out-interface": "-o", "--destination-port": "--dport",
    "--source-port": "--sport",
}


def canonical_rule(line):
    """-A line -> (chain, sorted options). Order of options, long/short option names,
    quoting, a bare address vs /32 and an explicit `-m tcp`/`-m udp` after `-p tcp`/`-p udp`
    are not significant."""
    words = shlex.split(line)
    if LONG_OPTS.get(words[0], words[0]) != "-A" or len(words) < 2:
        raise ValueError("not an -A line: %r" % line)
    chain = words[1]
    opts = []
    i = 2
    negate = False
    while i < len(words):
        w = words[i]
        if w == "!":
            negate = True
            i += 1
            continue
        if not w.startswith("-"):
            raise ValueError("stray word %r in %r" % (w, line))
        name = LONG_OPTS.get(w, w)
        i += 1
        args = []
        while i < len(words) and words[i] != "!" and not words[i].startswith("-"):
            args.append(words[i])
            i += 1
        if name in ("-s", "-d"):
            args = [a if "/" in a else a + "/32" for a in args]
        opts.append((("! " if negate else "") + name, tuple(args)))
        negate = False
    protos = {a[0] for (n, a) in opts if n == "-p" and a}
    opts = [(n, a) for (n, a) in opts if not (n == "-m" and len(a) == 1 and a[0] in protos)]
    return chain, tuple(sorted(opts))


def canonical_text(canon):
    chain, opts = canon
    parts = ["-A", chain]
    for name, args in opts:
        parts.append(name)
        parts.extend(ruleset.save_quote(a) for a in args)
    return " ".join(parts)


def rule_lines(text):
    return [ln.strip() for ln in text.splitlines() if ln.strip().startswith(("-A ", "--append "))]


def check_equivalence(n, outputs, reference):
    """outputs: {tool: text}. Prints a verdict per tool; returns {tool: ok}."""
    ref_lines = rule_lines(reference)
    ref_canon = [canonical_rule(ln) for ln in ref_lines]
    verdict = {}
    log("  equivalence (rule lines, normalised) against the reference, N=%d:" % n)
    log("    reference  rule 1: %s" % ref_lines[0])
    for tool, text in outputs.items():
        lines = rule_lines(text)
        problems = []
        if len(lines) != n:
            problems.append("%d rule lines, expected %d" % (len(lines), n))
        try:
            canon = [canonical_rule(ln) for ln in lines]
        except ValueError as e:
            canon = []
            problems.append("unparsable rule line: %s" % e)
        diffs = [k for k in range(min(len(canon), len(ref_canon))) if canon[k] != ref_canon[k]]
        if diffs:
            problems.append("%d rules differ" % len(diffs))
        if lines:
            log("    %-10s rule 1: %s" % (tool, lines[0]))
        if problems:
            warn("    %s: MISMATCH: %s" % (tool, "; ".join(problems)))
            for k in diffs[:3]:
                want, got = set(ref_canon[k][1]), set(canon[k][1])
                log("      rule %d expected: %s" % (k + 1, ref_lines[k]))
                log("      rule %d got:      %s" % (k + 1, lines[k]))
                log("        only expected: %s; only got: %s" % (
                    canonical_text(("", tuple(sorted(want - got))))[4:] or "-",
                    canonical_text(("", tuple(sorted(got - want))))[4:] or "-"))
        else:
            log("    %-10s OK: %d rules, same as the reference after normalisation" % (tool, len(lines)))
        verdict[tool] = not problems
    return verdict


# --------------------------------------------------------------------------
# Commands

def target_dir():
    return os.environ.get("CARGO_TARGET_DIR") or os.path.join(REPO, "target")


def ours_argv(template, n, file_path):
    words = shlex.split(template)
    if not any("{n}" in w or "{file}" in w for w in words):
        words.append("{n}")
    return [w.replace("{n}", str(n)).replace("{file}", file_path) for w in words]


def program_path(template):
    """The program of a command template, resolved against the repository; None if missing."""
    prog = shlex.split(template)[0]
    if "/" in prog:
        path = prog if os.path.isabs(prog) else os.path.join(REPO, prog)
        return path if os.path.isfile(path) and os.access(path, os.X_OK) else None
    return shutil.which(prog)


def resolve_template(template):
    """Make a relative program path absolute (commands may run with another cwd)."""
    words = shlex.split(template)
    if "/" in words[0] and not os.path.isabs(words[0]):
        words[0] = os.path.join(REPO, words[0])
    return " ".join(shlex.quote(w) for w in words)


def find_example_source(name):
    # The benchmark drivers are examples declared in Cargo.toml with paths under benches/.
    driver = os.path.join(REPO, "benches", "drivers", name + ".rs")
    if os.path.isfile(driver):
        return driver
    for root, dirs, files in os.walk(REPO):
        dirs[:] = [d for d in dirs if d not in ("target", ".git", "node_modules")]
        if os.path.basename(root) == "examples" and name + ".rs" in files:
            return os.path.join(root, name + ".rs")
        if os.path.basename(root) == name and os.path.basename(os.path.dirname(root)) == "examples" \
                and "main.rs" in files:
            return os.path.join(root, "main.rs")
    return None


def build_ours(examples):
    cargo = shutil.which("cargo")
    wanted = [e for e in examples if find_example_source(e)]
    for e in examples:
        if e not in wanted:
            log("our side: no example source for `%s` in the repository; nothing to build" % e)
    if not wanted:
        return
    if not cargo:
        warn("cargo not found: cannot build %s; using whatever binaries exist" % ", ".join(wanted))
        return
    argv = [cargo, "build", "--profile", "bench"]
    for e in wanted:
        argv += ["--example", e]
    log("building our side: %s" % " ".join(argv[1:]))
    r = subprocess.run(argv, cwd=REPO)
    if r.returncode != 0:
        warn("building %s failed (exit %d); our side will be skipped where its binary is missing"
             % (", ".join(wanted), r.returncode))


def tool_version(argv, pattern=r"\d+(\.\d+)+"):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(pattern, out.stdout + out.stderr)
    return m.group(0) if m else (out.stdout + out.stderr).strip() or None


# --------------------------------------------------------------------------
# Results

class Row:
    def __init__(self, section, tool, n, meas, note=""):
        self.section = section
        self.tool = tool
        self.n = n
        self.meas = meas
        self.note = note or (meas.note if meas else "")


def fmt_s(s):
    return "%.4f" % s if s < 10 else "%.2f" % s


def fmt_rate(n, s):
    r = n / s
    if r >= 1e6:
        return "%.2fM" % (r / 1e6)
    if r >= 1e3:
        return "%.1fk" % (r / 1e3)
    return "%.0f" % r


def results_table(rows, ours_tool):
    header = ["section", "tool", "N", "runs", "median s", "min s", "rules/s", "ours/peer",
              "peer/ours", "note"]
    out = [header]
    ours = {(r.section, r.n): r.meas for r in rows if r.tool == ours_tool and r.meas}
    for r in rows:
        if r.meas is None:
            out.append([r.section, r.tool, str(r.n), "-", "-", "-", "-", "-", "-", r.note])
            continue
        m = r.meas
        o = ours.get((r.section, r.n))
        if r.tool == ours_tool:
            ratio, speedup = "1", "1"
        elif o is None:
            ratio, speedup = "n/a", "n/a"
        else:
            ratio = "%.3f" % (o.median / m.median)
            x = m.median / o.median
            speedup = ("%.2fx" if x < 10 else "%.1fx" if x < 1000 else "%.0fx") % x
        out.append([r.section, r.tool, str(r.n), str(len(m.times)), fmt_s(m.median), fmt_s(m.minimum),
                    fmt_rate(r.n, m.median), ratio, speedup, r.note])
    widths = [max(len(row[k]) for row in out) for k in range(len(header))]
    lines = []
    for idx, row in enumerate(out):
        lines.append("| " + " | ".join(cell.ljust(widths[k]) for k, cell in enumerate(row)) + " |")
        if idx == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Render benchmark

def render_bench(args, work, rows, ns_for_ferm, ours_render):
    py = args.pyptables_python
    if py and not os.access(py, os.X_OK):
        warn("pyptables python %s not found" % py)
        py = None
    if not py:
        warn("python-pyptables: no virtual environment with pyptables==1.0.7 "
             "(compare.sh creates one); skipping pyptables")
    ferm = shutil.which(args.ferm) if args.ferm else None
    if not ferm:
        warn("ferm: not installed (apt-get install ferm); skipping ferm")
    if ours_render is None:
        log("our side (render): not run: %s" % args.ours_render_missing)
    kernel_checked = False
    for n in args.sizes:
        log("\n== render, N=%d ==" % n)
        ref_path = os.path.join(work, "reference-%d.rules" % n)
        with open(ref_path, "w") as f:
            f.write(ruleset.reference_text(n))
        ferm_path = os.path.join(work, "rules-%d.ferm" % n)
        with open(ferm_path, "w") as f:
            f.write(ruleset.ferm_text(n))
        outputs = {}
        tools = []
        if py:
            tools.append(("pyptables", [py, os.path.join(HERE, "pyptables_rules.py"), str(n), "--timing"]))
        if ferm:
            argv = [ferm, "--noexec", "--lines", ferm_path]
            if ns_for_ferm:
                # ferm runs iptables-legacy-save even with --noexec: let it read an
                # empty namespace instead of this machine's own tables.
                argv = ["ip", "netns", "exec", ns_for_ferm] + argv
            tools.append(("ferm", argv))
        if ours_render is not None:
            tools.append(("ours", ours_argv(ours_render, n, ref_path)))
        for tool, argv in tools:
            out_path = os.path.join(work, "out-%s-%d.rules" % (tool, n))
            log("  %s: %s" % (tool, " ".join(shlex.quote(a) for a in argv)))
            inproc = []

            def on_timed(run):
                m = re.search(r"build=([\d.]+) render=([\d.]+)", run.stderr)
                if m:
                    inproc.append((float(m.group(1)), float(m.group(2))))
            meas, _ = measure_process(tool, argv, args.runs, stdout_path=out_path, on_timed=on_timed)
            if meas is None:
                rows.append(Row("render", tool, n, None, "failed"))
                continue
            log("    median %.4f s over %d runs (min %.4f, max %.4f)"
                % (meas.median, len(meas.times), meas.minimum, max(meas.times)))
            rows.append(Row("render", tool, n, meas))
            if inproc:
                b = statistics.median(x[0] for x in inproc)
                r = statistics.median(x[1] for x in inproc)
                log("    in-process medians: build %.4f s + render %.4f s; the rest is "
                    "interpreter start-up and imports" % (b, r))
                rows.append(Row("render", "pyptables (in-process)", n,
                                Measurement([x[0] + x[1] for x in inproc]),
                                "build+render inside Python, start-up and imports excluded"))
            with open(out_path) as f:
                outputs[tool] = f.read()
        with open(ref_path) as f:
            reference = f.read()
        if outputs:
            verdict = check_equivalence(n, outputs, reference)
            for r in rows:
                if r.section == "render" and r.n == n and r.tool in verdict and not verdict[r.tool]:
                    r.note = (r.note + "; " if r.note else "") + "OUTPUT MISMATCH"
            if args.kernel_check and not kernel_checked and is_root() and have_apply_tools(args):
                kernel_checked = True
                kernel_equivalence(args, n, ref_path, outputs, work)


def iptables_save_rules(args, ns):
    out = subprocess.run(["ip", "netns", "exec", ns, args.iptables + "-save", "-t", "filter"],
                         capture_output=True, text=True, check=True).stdout
    return [ln for ln in out.splitlines() if ln.startswith((":FORWARD", "-A "))]


def kernel_equivalence(args, n, ref_path, outputs, work):
    """Load each tool's output into a fresh namespace; iptables-save must print the same."""
    log("  kernel check, N=%d: each output loaded with %s-restore, then compared through %s-save:"
        % (n, args.iptables, args.iptables))
    saved = {}
    for tool, path in [("reference", ref_path)] + [
            (t, os.path.join(work, "out-%s-%d.rules" % (t, n))) for t in outputs]:
        ns = NS.create("kcheck")
        try:
            r = run_once(["ip", "netns", "exec", ns, args.iptables + "-restore"], stdin_path=path)
            if r.rc != 0:
                warn("    %s: %s-restore rejected it (exit %d)\n%s" % (tool, args.iptables, r.rc, tail(r.stderr)))
                continue
            saved[tool] = iptables_save_rules(args, ns)
        finally:
            NS.delete(ns)
    ref = saved.get("reference")
    if ref is None:
        warn("    the reference itself did not load; kernel check skipped")
        return
    for tool in outputs:
        if tool not in saved:
            continue
        if saved[tool] == ref:
            log("    %-10s OK: identical iptables-save (%d rules)" % (tool, len(ref) - 1))
        else:
            diff = [k for k in range(min(len(ref), len(saved[tool]))) if ref[k] != saved[tool][k]]
            warn("    %s: iptables-save differs (%d lines vs %d; first differing line %s)"
                 % (tool, len(saved[tool]), len(ref), diff[0] + 1 if diff else "-"))


# --------------------------------------------------------------------------
# Apply benchmark

def is_root():
    return os.geteuid() == 0


def have_apply_tools(args):
    return all(shutil.which(t) for t in ("ip", args.iptables, args.iptables + "-restore", args.iptables + "-save"))


def count_rules(args, ns):
    lines = iptables_save_rules(args, ns)
    policy = next((ln.split()[1] for ln in lines if ln.startswith(":FORWARD")), None)
    return sum(1 for ln in lines if ln.startswith("-A FORWARD")), policy


def count_nft_rules(args, ns):
    """The rules and policy of our nft table's FORWARD chain (nftables engine)."""
    out = subprocess.run(["ip", "netns", "exec", ns, "nft", "list", "chain", "ip", "pyptables",
                          "filter.FORWARD"], capture_output=True, text=True).stdout
    policy = "DROP" if "policy drop;" in out else None
    return sum(1 for ln in out.splitlines() if " comment " in ln), policy


def timed_in_fresh_ns(args, tag, argv_in_ns, expect_rules, stdin_path=None, preload_path=None, env=None,
                      counter=None):
    """Create a namespace, optionally preload it (untimed), time one command in it,
    check the FORWARD chain then holds expect_rules rules, delete the namespace."""
    ns = NS.create(tag)
    try:
        if preload_path:
            r = run_once(["ip", "netns", "exec", ns, args.iptables + "-restore"], stdin_path=preload_path)
            if r.rc != 0:
                raise RuntimeError("preload failed (exit %d)\n%s" % (r.rc, tail(r.stderr)))
        r = run_once(["ip", "netns", "exec", ns] + argv_in_ns, stdin_path=stdin_path, env=env)
        if r.rc != 0:
            raise RuntimeError("exit %d\n%s" % (r.rc, tail(r.stderr)))
        count, policy = (counter or count_rules)(args, ns)
        if count != expect_rules or policy != "DROP":
            raise RuntimeError("FORWARD chain holds %d rules with policy %s after the run; expected %d, DROP"
                               % (count, policy, expect_rules))
        return r.seconds
    finally:
        NS.delete(ns)


def per_rule_script(args, path, first, last, set_policy):
    """One `iptables` process per rule, the way the `iptables` crate calls it
    (`iptables -t filter -A CHAIN <rule> --wait`)."""
    with open(path, "w") as f:
        f.write("set -e\n")
        if set_policy:
            f.write("%s -t filter -P FORWARD DROP --wait\n" % shlex.quote(args.iptables))
        for i in range(first, last + 1):
            f.write("%s -t filter -A FORWARD %s --wait\n"
                    % (shlex.quote(args.iptables), " ".join(shlex.quote(w) for w in ruleset.rule_args(i))))


def measure_repeated(label, runs, fn):
    times = []
    for _ in range(runs):
        try:
            times.append(fn())
        except (RuntimeError, subprocess.CalledProcessError) as e:
            warn("%s failed: %s" % (label, e))
            return None
    return Measurement(times)


def apply_bench(args, work, rows, ours_apply):
    if not is_root():
        warn("apply comparison skipped: it needs root (network namespaces)")
        return
    if not have_apply_tools(args):
        warn("apply comparison skipped: needs `ip` (iproute2) and %s, %s-restore, %s-save"
             % (args.iptables, args.iptables, args.iptables))
        return
    if ours_apply is None:
        log("our side (apply): not run: %s" % args.ours_apply_missing)
    # What every measurement below pays once for entering the namespace.
    overhead = measure_repeated("ip netns exec overhead", 5, lambda: _ns_overhead())
    if overhead:
        log("\n(each apply timing includes one `ip netns exec`: median %.4f s on its own)" % overhead.median)
    for n in args.apply_sizes:
        log("\n== apply, N=%d (%s) ==" % (n, args.iptables_variant))
        ref_path = os.path.join(work, "reference-%d.rules" % n)
        with open(ref_path, "w") as f:
            f.write(ruleset.reference_text(n))

        log("  iptables-restore < %s" % os.path.basename(ref_path))
        m = measure_repeated("iptables-restore", args.runs, lambda: timed_in_fresh_ns(
            args, "restore", [args.iptables + "-restore"], n, stdin_path=ref_path))
        report_apply(rows, "iptables-restore", n, m)

        if ours_apply is not None:
            argv = ours_argv(ours_apply, n, ref_path)
            log("  ours: %s" % " ".join(shlex.quote(a) for a in argv))
            env = dict(os.environ, BENCH_IPTABLES=args.iptables)
            m = measure_repeated("ours (apply)", args.runs, lambda: timed_in_fresh_ns(
                args, "ours", argv, n, env=env))
            report_apply(rows, "ours", n, m)
            if args.apply_skip_save:
                # The same, without restore's pre-save of the running tables (its rollback
                # safety net): apply_bench names the restore program as a Backend::Path.
                log("  ours without the pre-save: BENCH_APPLY_SKIP_SAVE=1 %s"
                    % " ".join(shlex.quote(a) for a in argv))
                env_skip = dict(env, BENCH_APPLY_SKIP_SAVE="1")
                m = measure_repeated("ours, no pre-save", args.runs, lambda: timed_in_fresh_ns(
                    args, "ours-nosave", argv, n, env=env_skip))
                report_apply(rows, "ours, no pre-save", n, m)
            if shutil.which("nft"):
                # The nftables engine: our apply through `nft -f`, and a bare `nft -f` of the
                # same script (which apply_bench prints with BENCH_ENGINE=print-nft).
                nft_path = os.path.join(work, "reference-%d.nft" % n)
                with open(nft_path, "w") as f:
                    subprocess.run(argv, stdout=f, check=True,
                                   env=dict(os.environ, BENCH_ENGINE="print-nft"))
                log("  nft -f %s" % os.path.basename(nft_path))
                m = measure_repeated("nft -f", args.runs, lambda: timed_in_fresh_ns(
                    args, "nft", ["nft", "-f", nft_path], n, counter=count_nft_rules))
                report_apply(rows, "nft -f", n, m)
                log("  ours, nftables engine: BENCH_ENGINE=nftables %s"
                    % " ".join(shlex.quote(a) for a in argv))
                env_nft = dict(env, BENCH_ENGINE="nftables")
                m = measure_repeated("ours (nftables)", args.runs, lambda: timed_in_fresh_ns(
                    args, "oursnft", argv, n, env=env_nft, counter=count_nft_rules))
                report_apply(rows, "ours, nftables engine", n, m)
            else:
                warn("nft not found: the nftables engine is not timed (apt-get install nftables)")

        cap = args.per_rule_cap
        if args.per_rule_full or n <= cap:
            script = os.path.join(work, "per-rule-%d.sh" % n)
            per_rule_script(args, script, 1, n, True)
            log("  one `%s -A` process per rule: %d processes" % (args.iptables, n))
            m = measure_repeated("per-rule", args.per_rule_runs, lambda: timed_in_fresh_ns(
                args, "perrule", ["sh", script], n))
            report_apply(rows, "iptables -A per rule", n, m)
        else:
            # Sample: the first `cap` calls from an empty chain, and the last `cap` calls
            # on a chain preloaded with N-cap rules. If the cost of one call grows
            # linearly with the chain, the total is N * (mean of the two per-call costs).
            head = os.path.join(work, "per-rule-%d-head.sh" % n)
            per_rule_script(args, head, 1, cap, True)
            end = os.path.join(work, "per-rule-%d-tail.sh" % n)
            per_rule_script(args, end, n - cap + 1, n, False)
            preload = os.path.join(work, "preload-%d.rules" % n)
            with open(preload, "w") as f:
                f.write(ruleset.reference_text(n - cap))
            log("  one `%s -A` process per rule: SAMPLED, %d calls from an empty chain and %d calls "
                "after %d preloaded rules, extrapolated to %d" % (args.iptables, cap, cap, n - cap, n))

            def sampled():
                a = timed_in_fresh_ns(args, "perrule", ["sh", head], cap) / cap
                b = timed_in_fresh_ns(args, "perrule", ["sh", end], n, preload_path=preload) / cap
                log("    per call: %.2f ms at the start, %.2f ms at the end" % (a * 1e3, b * 1e3))
                return n * (a + b) / 2
            m = measure_repeated("per-rule (sampled)", args.per_rule_runs, sampled)
            if m:
                m.note = "estimate: 2x%d calls sampled, linear extrapolation" % cap
            report_apply(rows, "iptables -A per rule", n, m)


def _ns_overhead():
    ns = NS.create("overhead")
    try:
        return run_once(["ip", "netns", "exec", ns, "true"]).seconds
    finally:
        NS.delete(ns)


def report_apply(rows, tool, n, m):
    if m is None:
        rows.append(Row("apply", tool, n, None, "failed"))
        return
    log("    median %.4f s over %d runs (min %.4f, max %.4f)%s"
        % (m.median, len(m.times), m.minimum, max(m.times), " [%s]" % m.note if m.note else ""))
    rows.append(Row("apply", tool, n, m))


# --------------------------------------------------------------------------

def parse_sizes(text):
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("sizes are comma-separated integers, e.g. 1000,10000")
    if not sizes or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def main():
    tdir = target_dir()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=parse_sizes, default=[1000, 10000, 100000],
                   help="render sizes (default 1000,10000,100000)")
    p.add_argument("--apply-sizes", type=parse_sizes, default=[1000, 10000],
                   help="apply sizes (default 1000,10000)")
    p.add_argument("--runs", type=int, default=5, help="timed runs per measurement (default 5)")
    p.add_argument("--per-rule-runs", type=int, default=3,
                   help="timed runs of the one-process-per-rule apply (default 3)")
    p.add_argument("--per-rule-cap", type=int, default=1000,
                   help="above this N the per-rule apply is sampled and extrapolated (default 1000)")
    p.add_argument("--per-rule-full", action="store_true", help="run every per-rule call, however many")
    p.add_argument("--no-render", action="store_true", help="skip the render comparison")
    p.add_argument("--no-apply", action="store_true", help="skip the apply comparison")
    p.add_argument("--no-kernel-check", dest="kernel_check", action="store_false",
                   help="do not load each render output into a namespace to compare iptables-save")
    p.add_argument("--no-build", action="store_true", help="do not cargo build our examples first")
    p.add_argument("--ours-render", default=os.environ.get("BENCH_OURS_RENDER"),
                   help="our render command (env BENCH_OURS_RENDER; 'none' to skip)")
    p.add_argument("--ours-apply", default=os.environ.get("BENCH_OURS_APPLY"),
                   help="our apply command (env BENCH_OURS_APPLY; 'none' to skip)")
    p.add_argument("--apply-skip-save", action="store_true",
                   help="also time our apply with BENCH_APPLY_SKIP_SAVE=1: restore without "
                        "saving the running tables first (restore saves them only for a "
                        "ruleset of several tables; the benchmark's has one)")
    p.add_argument("--pyptables-python", default=os.environ.get("BENCH_PYPTABLES_PYTHON"),
                   help="python of a virtual environment with pyptables==1.0.7")
    p.add_argument("--ferm", default="ferm", help="ferm program (default ferm)")
    p.add_argument("--iptables", default="iptables",
                   help="iptables program for apply (default iptables; e.g. iptables-legacy)")
    p.add_argument("--workdir", default=os.path.join(tdir, "bench-compare"),
                   help="where generated files and results go (default target/bench-compare)")
    args = p.parse_args()
    if args.runs < 1 or args.per_rule_runs < 1 or args.per_rule_cap < 1:
        p.error("--runs, --per-rule-runs and --per-rule-cap must be at least 1")

    global NS
    NS = Namespaces(os.environ.get("BENCH_NS_PREFIX") or "bench-%d" % os.getpid())
    atexit.register(_cleanup)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)

    work = args.workdir
    os.makedirs(work, exist_ok=True)

    defaults = {"render": "render_bench", "apply": "apply_bench"}
    default_cmd = {k: os.path.join(tdir, "release", "examples", v) + " {n}" for k, v in defaults.items()}
    if not args.no_build:
        build_ours([v for k, v in defaults.items()
                    if getattr(args, "ours_" + k) in (None, default_cmd[k])])
    resolved = {}
    for k in defaults:
        template = getattr(args, "ours_" + k) or default_cmd[k]
        setattr(args, "ours_%s_missing" % k, "")
        if template.strip().lower() == "none":
            resolved[k] = None
            setattr(args, "ours_%s_missing" % k, "disabled (none)")
        elif program_path(template) is None:
            resolved[k] = None
            setattr(args, "ours_%s_missing" % k,
                    "`%s` not found (build the example, or set BENCH_OURS_%s / --ours-%s)"
                    % (shlex.split(template)[0], k.upper(), k))
        else:
            resolved[k] = resolve_template(template)

    variant = tool_version([args.iptables, "--version"], r"v[\d.]+ \(\w+\)") if shutil.which(args.iptables) else None
    args.iptables_variant = "%s %s" % (args.iptables, variant or "(not found)")
    ns_for_ferm = None

    log("# benches/compare: side-by-side render and apply")
    log("machine: %s, %d cores, kernel %s, python %s" % (
        _cpu_model(), os.cpu_count(), platform.release(), platform.python_version()))
    log("pyptables: %s" % ((args.pyptables_python and tool_version(
        [args.pyptables_python, "-c", "import importlib.metadata as m; print(m.version('pyptables'))"]))
        or "missing"))
    log("ferm: %s" % ((shutil.which(args.ferm) and tool_version([args.ferm, "--version"])) or "missing"))
    log("iptables: %s" % args.iptables_variant)
    log("ours (render): %s" % (resolved["render"] or "missing"))
    log("ours (apply): %s" % (resolved["apply"] or "missing"))
    log("runs: %d (median of timed runs after one warm-up; a first run over %.0f s counts as timed)"
        % (args.runs, WARMUP_LIMIT_S))

    rows = []
    try:
        if not args.no_render:
            if is_root() and shutil.which("ip") and shutil.which(args.ferm or "ferm"):
                ns_for_ferm = NS.create("ferm")
            render_bench(args, work, rows, ns_for_ferm, resolved["render"])
        if not args.no_apply:
            apply_bench(args, work, rows, resolved["apply"])
    finally:
        NS.delete_all()

    table = results_table(rows, "ours")
    log("\n== results (wall time of the whole process; ours/peer < 1 means ours is faster) ==")
    log(table)
    missing = [k for k in ("render", "apply") if resolved[k] is None]
    if missing:
        log("\nours: %s" % "; ".join("%s %s" % (k, getattr(args, "ours_%s_missing" % k)) for k in missing))
    with open(os.path.join(work, "results.md"), "w") as f:
        f.write(table + "\n")
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump([{"section": r.section, "tool": r.tool, "n": r.n, "note": r.note,
                    "times": r.meas.times if r.meas else None,
                    "median": r.meas.median if r.meas else None} for r in rows], f, indent=1)
    log("(written to %s/results.md and results.json)" % work)
    failed = [r for r in rows if r.meas is None or "MISMATCH" in r.note]
    return 1 if failed else 0


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


if __name__ == "__main__":
    sys.exit(main())
