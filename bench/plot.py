#!/usr/bin/python3
"""Plot ipcbench results: throughput and round-trip latency against message
size, log scales, with this machine's limits (memcpy, the latency floor).

    /usr/bin/python3 plot.py RESULTS.json OUT.png

Needs matplotlib (Debian: python3-matplotlib, seen by /usr/bin/python3).
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

import probe_facts  # noqa: E402

SHM = ["sysv-spin", "sysv-futex", "file-spin", "file-futex", "anon-spin",
       "anon-futex"]
KERNEL = ["pipe", "socketpair", "sysv-mq", "posix-mq"]
COLOR = {"sysv": "tab:blue", "file": "tab:green", "anon": "tab:cyan",
         "pipe": "tab:red", "socketpair": "tab:orange",
         "sysv-mq": "tab:purple", "posix-mq": "tab:brown"}


def size_str(n):
    for unit, div in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= div and n % div == 0:
            return "%d %s" % (n // div, unit)
    return "%d B" % n


def style(mech):
    if mech in SHM:
        back, sync = mech.split("-")
        return dict(color=COLOR[back], marker="o" if sync == "spin" else "s",
                    linestyle="-" if sync == "spin" else "--", ms=4, lw=1.5)
    return dict(color=COLOR[mech], marker="^", linestyle=":", ms=4, lw=1.5)


def series(rows, mech, get):
    pts = sorted((r["size"], get(r)) for r in rows
                 if r["mech"] == mech and get(r) is not None)
    return [p[0] for p in pts], [p[1] for p in pts]


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        doc = probe_facts.merge(json.load(f), sys.argv[1])
    rows = doc["results"]
    mechs = [m for m in SHM + KERNEL if any(r["mech"] == m for r in rows)]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 6))

    def tp(r):
        return r["tp"]["bytes_per_s"] if "tp" in r else None

    def lat(r):
        return r["lat"]["median_ns"] / 1e3 if "lat" in r else None

    def p99(r):
        return r["lat"]["p99_ns"] / 1e3 if "lat" in r else None

    x, y = series(rows, "memcpy", tp)
    ax1.plot(x, y, color="black", lw=3, alpha=0.5,
             label="limit: memcpy, one core")
    x, y = series(rows, mechs[0], lambda r: r.get("floor_ns"))
    if x:
        ax2.plot(x, [v / 1e3 for v in y], color="black", lw=3, alpha=0.5,
                 label="floor: line round trip + 2 copies")
    for m in mechs:
        st = style(m)
        x, y = series(rows, m, tp)
        ax1.plot(x, y, label=m, **st)
        x, y = series(rows, m, lat)
        ax2.plot(x, y, label=m + " (median)", **st)
        x, y = series(rows, m, p99)
        ax2.plot(x, y, color=st["color"], marker="_", linestyle="none",
                 ms=8, alpha=0.6)
    ax2.plot([], [], color="grey", marker="_", linestyle="none", ms=8,
             label="99th percentile")
    sizes = doc["params"]["sizes"]
    for ax in (ax1, ax2):
        ax.set_xscale("log", base=2)
        ax.set_xticks(sizes)
        ax.set_xticklabels([size_str(s) for s in sizes], rotation=45,
                           fontsize=8)
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.set_yscale("log")
        ax.set_xlabel("message size, bytes")
        ax.grid(True, which="both", alpha=0.3)
    ax1.set_ylabel("one-way throughput, bytes/s")
    ax1.set_title("Throughput (median over repetitions)")
    ax2.set_ylabel("round trip, microseconds")
    ax2.set_title("Round-trip latency")
    ax1.legend(fontsize=8, loc="lower right")
    ax2.legend(fontsize=8, loc="upper left")
    m = doc["machine"]
    note = "%s; %s; %s mode, %d reps" % (
        m["kernel"], m["placement"], doc["mode"], doc["params"]["reps"])
    if m["other_load"] > 0.1:
        note += "; machine shared: others used %.0f%% of the CPUs" % (
            100 * m["other_load"])
    fig.suptitle("IPC-FASTEST: shared memory against pipes, sockets and "
                 "message queues\n" + note, fontsize=10)
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=100)
    return 0


if __name__ == "__main__":
    sys.exit(main())
