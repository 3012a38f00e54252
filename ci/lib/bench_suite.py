#!/usr/bin/python3
"""How long the whole suite takes, under Kyua and under sc-run (ci/bench-suite).

For each runner, RUNS whole runs: wall time and CPU time (the runner and
every process under it, from the kernel's rusage of waited-for children),
median and range; the ten slowest cases (median of their seconds over the
runs); and the floor: the CPU work spread over the cores, plus the longest
unavoidable wait (the slowest case of the run: a case that waits for the
clock to tick).  Then Kyua's own cost per case, apart: the same number of
empty ATF cases (each with a cleanup routine, as every shmconform case has)
under Kyua with the same parallelism.  A measurement: nothing passes or
fails on a time.
"""
import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

KYUA_LINE = re.compile(r"^(\S+:\S+)\s+->\s+\S+.*\[([0-9.]+)s\]$")


def timed(cmd, out=subprocess.DEVNULL):
    """Run cmd; (wall seconds, CPU seconds of it and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def kyua_cmd(a, db, par):
    return ["kyua", "--logfile=/dev/null", "-v", "parallelism=%d" % par,
            "-v", "test_suites.shmconform.fs=%s" % a.fs, "test",
            "--kyuafile=%s" % a.kyuafile, "--build-root=%s" % a.build,
            "--results-file=%s" % db]


def run_kyua(a, work, i, par):
    db = os.path.join(work, "kyua%d-%d.db" % (par, i))
    log = os.path.join(work, "kyua%d-%d.log" % (par, i))
    with open(log, "w") as out:
        wall, cpu = timed(kyua_cmd(a, db, par), out)
    cases = {}
    with open(log, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = KYUA_LINE.match(line.rstrip("\n"))
            if m:
                cases[m.group(1)] = float(m.group(2))
    return wall, cpu, cases


def run_scrun(a, work, i, par):
    out = os.path.join(work, "scrun%d-%d.json" % (par, i))
    wall, cpu = timed([a.sc_run, "-j", str(par), "-v", "fs=%s" % a.fs,
                       "-o", out, os.path.join(a.build, "cases")])
    cases = {}
    try:
        with open(out, encoding="utf-8") as f:
            for c in json.load(f).get("cases", []):
                cases["%s:%s" % (c["program"], c["name"])] = \
                    float(c.get("seconds") or 0)
    except (OSError, ValueError):
        pass
    return wall, cpu, cases


def spread(values):
    return "median %.2f s (%.2f-%.2f)" % (statistics.median(values),
                                         min(values), max(values))


def report(name, par, results, cores):
    walls = [r[0] for r in results]
    cpus = [r[1] for r in results]
    print("%s (parallelism %d), %d runs:" % (name, par, len(results)))
    print("  wall %s;  CPU %s" % (spread(walls), spread(cpus)))
    per_case = {}
    for _, _, cases in results:
        for k, v in cases.items():
            per_case.setdefault(k, []).append(v)
    med = {k: statistics.median(v) for k, v in per_case.items()}
    slowest = sorted(med.items(), key=lambda kv: -kv[1])[:10]
    print("  ten slowest cases (median seconds):")
    for k, v in slowest:
        print("    %6.3f  %s" % (v, k))
    wait = slowest[0][1] if slowest else 0.0
    cpu = statistics.median(cpus)
    print("  floor: CPU work over the cores %.2f / %d = %.2f s; the longest "
          "unavoidable wait (the slowest case, waiting for the clock) %.2f s;"
          % (cpu, cores, cpu / cores, wait))
    print("         no run is shorter than the larger, %.2f s, nor than "
          "their sum, %.2f s, if nothing overlapped; %d cases"
          % (max(cpu / cores, wait), cpu / cores + wait, len(med)))
    return len(med)


def kyua_own_cost(a, work, ncases, par, runs):
    """Kyua alone: ncases empty ATF cases with cleanups, same parallelism."""
    src = os.path.join(work, "empty.c")
    with open(src, "w") as f:
        f.write("#include <atf-c.h>\n")
        for i in range(ncases):
            f.write("ATF_TC_WITH_CLEANUP(c%d);\nATF_TC_HEAD(c%d, tc) "
                    "{ atf_tc_set_md_var(tc, \"descr\", \"empty\"); }\n"
                    "ATF_TC_BODY(c%d, tc) { (void)tc; }\n"
                    "ATF_TC_CLEANUP(c%d, tc) { (void)tc; }\n" % (i, i, i, i))
        f.write("ATF_TP_ADD_TCS(tp)\n{\n")
        for i in range(ncases):
            f.write("\tATF_TP_ADD_TC(tp, c%d);\n" % i)
        f.write("\treturn atf_no_error();\n}\n")
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "atf-c"],
                           capture_output=True, text=True,
                           check=True).stdout.split()
    subprocess.run(["cc", "-O2", "-o", os.path.join(work, "empty"), src]
                   + flags, check=True)
    with open(os.path.join(work, "Kyuafile"), "w") as f:
        f.write('syntax(2)\ntest_suite("empty")\n'
                'atf_test_program{name="empty"}\n')
    walls, cpus = [], []
    for i in range(runs):
        db = os.path.join(work, "empty%d.db" % i)
        wall, cpu = timed(["kyua", "--logfile=/dev/null", "-v",
                           "parallelism=%d" % par, "test",
                           "--kyuafile=%s" % os.path.join(work, "Kyuafile"),
                           "--results-file=%s" % db])
        walls.append(wall)
        cpus.append(cpu)
    print("Kyua's own cost: %d empty cases with cleanups (parallelism %d), "
          "%d runs:" % (ncases, par, runs))
    print("  wall %s;  CPU %s;  per case: %.1f ms CPU" % (
        spread(walls), spread(cpus), 1000 * statistics.median(cpus) / ncases))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", required=True)
    p.add_argument("--kyuafile", required=True)
    p.add_argument("--sc-run", required=True)
    p.add_argument("--fs", required=True)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--parallelism", required=True,
                   help="one value, or several separated by commas "
                        "(each is measured)")
    a = p.parse_args()
    cores = os.cpu_count() or 1
    pars = [int(x) for x in a.parallelism.split(",")]
    print("ci/bench-suite: %s, %d cores, load average %s at the start" % (
        time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), cores,
        " ".join("%.2f" % x for x in os.getloadavg())))
    with tempfile.TemporaryDirectory(prefix="shmconform-bench.") as work:
        n = 0
        for par in pars:
            for name, fn in (("kyua", run_kyua), ("sc-run", run_scrun)):
                res = [fn(a, work, i, par) for i in range(a.runs)]
                n = report(name, par, res, cores) or n
        if n:
            kyua_own_cost(a, work, n, pars[0], a.runs)
    print("load average %s at the end (a shared machine: figures vary with "
          "what else runs)" % " ".join("%.2f" % x for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
