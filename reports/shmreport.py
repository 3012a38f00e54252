#!/usr/bin/env python3
"""shmreport: turn shmconform results into what people use.

  shmreport.py all     --results results/kyua.db [--out results] ...
  shmreport.py tap|junit|html|summary|export --results RUN [-o FILE]
  shmreport.py matrix  RUN... [--html FILE] [--md FILE] [--by claim|case]
  shmreport.py explain ID [RUN...]
  shmreport.py probe   [--sc-probe build/harness/sc-probe] [--fs DIRS] [-o F]
  shmreport.py check-expectations [FILE]

A RUN is a Kyua results file (kyua.db, with probe.json beside it), a
shmconform results file (JSON, reports/FORMAT.md), or a directory holding
one.  Standard library only; Python >= 3.9.  See reports/README.md.
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from shmrep import claims as claims_mod  # noqa: E402
from shmrep import expect, explain, html, jsonfmt, junit, matrix  # noqa: E402
from shmrep import probe as probe_mod  # noqa: E402
from shmrep import demo, i18n, runs, sources, summary, tap  # noqa: E402
from shmrep.errors import UserError  # noqa: E402

TOP = os.path.dirname(HERE)
DEFAULT_CLAIMS = os.path.join(TOP, "claims.json")
DEFAULT_EXPECT = os.path.join(TOP, "expectations", "expectations.json")
DEFAULT_CASES = os.path.join(TOP, "cases")


def _claims(args):
    path = args.claims
    if path is None and os.path.exists(DEFAULT_CLAIMS):
        path = DEFAULT_CLAIMS
    return claims_mod.load(path) if path else claims_mod.empty()


def _expectations(args, claims):
    if getattr(args, "no_expectations", False):
        return expect.none()
    path = args.expectations
    if path is None:
        if not os.path.exists(DEFAULT_EXPECT):
            return expect.none()
        path = DEFAULT_EXPECT
    return expect.load(path, claims)


def _elapsed(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("not a number of seconds: %r"
                                         % text) from None
    if v < 0:
        raise argparse.ArgumentTypeError("negative seconds: %r" % text)
    return v


def _run(args, claims, exps):
    run = runs.load(args.results, args.probe, getattr(args, "label", None),
                    getattr(args, "elapsed", None))
    return exps.apply(run)


def _emit(text, path):
    if path in (None, "-"):
        sys.stdout.write(text)
        return
    d = os.path.dirname(path)
    if d:
        os.makedirs(d, exist_ok=True)
    tmp = path + ".tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as e:
        raise UserError("cannot write %s: %s" % (path, e.strerror)) from None


def _sources(args):
    d = getattr(args, "cases", None)
    return sources.Sources(d if d is not None else DEFAULT_CASES)


def _demo(args):
    """(fault, what it breaks) for a demonstration run, or None."""
    if not getattr(args, "demo", None):
        return None
    fault, _, what = args.demo.partition("=")
    return (fault, what or fault)


def _html(run, claims, exps, args):
    return html.write(run, claims, exps, src=_sources(args),
                      lang=args.lang, demo=_demo(args))


def cmd_all(args):
    claims = _claims(args)
    exps = _expectations(args, claims)
    run = _run(args, claims, exps)
    out = args.out or os.path.dirname(args.results) or "."
    files = {
        "results.tap": tap.write(run, claims, args.tap_version),
        "results.junit.xml": junit.write(run, claims),
        "report.html": _html(run, claims, exps, args),
        "results.json": jsonfmt.dumps(run),
    }
    written = []
    for name, text in files.items():
        path = os.path.join(out, name)
        _emit(demo.mark(name, text, _demo(args)), path)
        written.append(path)
    sys.stdout.write(summary.write(run, claims, written, args.lang,
                                   _demo(args)))
    if _demo(args):
        return 0  # the failures of a demonstration are the point
    bad = run.unexpected()
    if args.strict_xpass:
        bad += [p for p in run.points() if p.outcome == "xpass"]
    return 1 if bad else 0


def cmd_one(args):
    claims = _claims(args)
    exps = _expectations(args, claims)
    run = _run(args, claims, exps)
    if args.cmd == "tap":
        text = tap.write(run, claims, args.tap_version)
    elif args.cmd == "junit":
        text = junit.write(run, claims)
    elif args.cmd == "html":
        text = _html(run, claims, exps, args)
    elif args.cmd == "summary":
        text = summary.write(run, claims, lang=args.lang, demo=_demo(args))
    else:
        text = jsonfmt.dumps(run)
    _emit(demo.mark({"tap": ".tap", "junit": ".xml", "export": ".json"}.get(
        args.cmd, ""), text, _demo(args)), args.output)
    return 0


def cmd_matrix(args):
    claims = _claims(args)
    exps = _expectations(args, claims)
    labels = args.label or []
    if len(labels) > len(args.runs):
        raise UserError("more --label options (%d) than runs (%d)"
                        % (len(labels), len(args.runs)))
    loaded = []
    for i, r in enumerate(args.runs):
        run = runs.load(r, None, labels[i] if i < len(labels) else None)
        demo.refuse(run, r)
        loaded.append(exps.apply(run))
    m = matrix.Matrix(loaded, claims, args.by)
    if not args.html and not args.md:
        args.md = "-"
    if args.html:
        _emit(matrix.write_html(m), args.html)
    if args.md:
        _emit(matrix.write_md(m), args.md)
    return 0


def cmd_explain(args):
    claims = _claims(args)
    exps = _expectations(args, claims)
    loaded = [exps.apply(runs.load(r)) for r in args.runs]
    declared = sources.scan(args.cases if args.cases is not None
                            else DEFAULT_CASES)
    sys.stdout.write(explain.explain(args.id, claims, loaded, declared,
                                     args.lang))
    return 0


def cmd_probe(args):
    data = probe_mod.collect(args.sc_probe, args.fs)
    _emit(json.dumps(data, indent=2, ensure_ascii=False) + "\n", args.output)
    return 0


def cmd_check(args):
    claims = _claims(args)
    path = args.file or DEFAULT_EXPECT
    exps = expect.load(path, claims)
    print("%s: %d expectation%s, all well-formed" % (
        path, len(exps.entries), "" if len(exps.entries) == 1 else "s"))
    return 0


def parser():
    p = argparse.ArgumentParser(
        prog="shmreport.py", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", metavar="COMMAND")
    sub.required = True

    def common(sp, results=True):
        if results:
            sp.add_argument("--results", required=True, metavar="RUN",
                            help="kyua.db, results JSON, or a directory")
            sp.add_argument("--probe", metavar="FILE",
                            help="probe JSON (default: probe.json beside "
                            "a kyua.db)")
            sp.add_argument("--label", help="a name for the environment")
        sp.add_argument("--claims", metavar="FILE",
                        help="claims registry (default: claims.json)")
        sp.add_argument("--expectations", metavar="FILE",
                        help="known deviations (default: "
                        "expectations/expectations.json)")
        sp.add_argument("--no-expectations", action="store_true",
                        help="report raw observations only")
        sp.add_argument("--lang", choices=i18n.LANGS, default="en",
                        help="language of the summary, explain and the "
                        "HTML report's first view (TAP and JUnit stay "
                        "English)")

    a = sub.add_parser("all", help="write TAP, JUnit, HTML and JSON results "
                       "and print the summary (what ci/run-suite runs)")
    common(a)
    a.add_argument("--out", metavar="DIR",
                   help="output directory (default: beside the results)")
    a.add_argument("--elapsed", type=_elapsed, metavar="SECONDS",
                   help="wall time of the run")
    a.add_argument("--tap-version", type=int, choices=(13, 14), default=13)
    a.add_argument("--strict-xpass", action="store_true",
                   help="exit 1 on an unexpected pass too")
    a.add_argument("--cases", metavar="DIR",
                   help="case sources shown in the HTML report (default: "
                   "cases/)")
    a.add_argument("--demo", metavar="FAULT=WHAT",
                   help="mark the reports as a demonstration under an "
                   "injected fault (ci/break); exits 0")
    a.set_defaults(func=cmd_all)

    for name, what in (("tap", "TAP (version 13; --tap-version 14)"),
                       ("junit", "JUnit XML"),
                       ("html", "the teaching HTML report"),
                       ("summary", "the short human summary"),
                       ("export", "the run as a shmconform results file "
                        "(JSON)")):
        s = sub.add_parser(name, help=what)
        common(s)
        s.add_argument("-o", "--output", metavar="FILE",
                       help="write here (default: standard output)")
        if name == "tap":
            s.add_argument("--tap-version", type=int, choices=(13, 14),
                           default=13)
        if name == "export":
            s.add_argument("--elapsed", type=_elapsed, metavar="SECONDS")
        s.add_argument("--demo", metavar="FAULT=WHAT",
                       help="mark it as a demonstration (ci/break)")
        if name == "html":
            s.add_argument("--cases", metavar="DIR",
                           help="case sources to show (default: cases/)")
        s.set_defaults(func=cmd_one)

    m = sub.add_parser("matrix", help="claims x environments from runs")
    common(m, results=False)
    m.add_argument("runs", nargs="+", metavar="RUN")
    m.add_argument("--label", action="append",
                   help="a name for each run, in order (repeat)")
    m.add_argument("--html", metavar="FILE")
    m.add_argument("--md", metavar="FILE",
                   help="Markdown (default: standard output when no "
                   "--html)")
    m.add_argument("--by", choices=("claim", "case"), default="claim")
    m.set_defaults(func=cmd_matrix)

    x = sub.add_parser("explain", help="a claim or case, in words, with its "
                       "results")
    common(x, results=False)
    x.add_argument("id", metavar="ID",
                   help="claim ID (MMAP-PAGES), case name, or program:case")
    x.add_argument("runs", nargs="*", metavar="RUN")
    x.add_argument("--cases", metavar="DIR",
                   help="case sources (default: cases/)")
    x.set_defaults(func=cmd_explain)

    pr = sub.add_parser("probe", help="probe this environment (JSON)")
    pr.add_argument("--sc-probe", metavar="PATH",
                    help="the C probe (build/harness/sc-probe)")
    pr.add_argument("--fs", metavar="DIRS",
                    help="colon-separated directories (default: $TMPDIR "
                    "and /dev/shm)")
    pr.add_argument("-o", "--output", metavar="FILE")
    pr.set_defaults(func=cmd_probe)

    c = sub.add_parser("check-expectations",
                       help="validate an expectations file")
    c.add_argument("file", nargs="?")
    c.add_argument("--claims", metavar="FILE")
    c.set_defaults(func=cmd_check)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except UserError as e:
        sys.stderr.write("shmreport: %s\n" % e)
        return 2
    except BrokenPipeError:
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
