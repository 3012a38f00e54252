#!/usr/bin/env python3
"""shmreport: turn shmconform results into what people use.

  shmreport.py all     --results results/kyua.db [--out results] ...
  shmreport.py tap|junit|html|summary|export --results RUN [-o FILE]
  shmreport.py matrix  RUN... [--html FILE] [--md FILE] [--by claim|case]
  shmreport.py differences RUN... [--md FILE]
  shmreport.py explain ID [RUN...]
  shmreport.py probe   [--sc-probe build/tools/sc-probe] [--fs DIRS] [-o F]
  shmreport.py check-deviations [DIR|FILE]

A RUN is a Kyua results file (kyua.db, with probe.json beside it), a
shmconform results file (JSON, reports/FORMAT.md), or a directory holding
one.  Standard library only; Python >= 3.9.  See reports/README.md.
"""
import argparse
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from shmrep import claims as claims_mod  # noqa: E402
from shmrep import deviations, differences, explain, html  # noqa: E402
from shmrep import jsonfmt, junit, matrix  # noqa: E402
from shmrep import probe as probe_mod  # noqa: E402
from shmrep import demo, i18n, marks, partial, runs, sources  # noqa: E402
from shmrep import summary, tap  # noqa: E402
from shmrep.errors import UserError  # noqa: E402

TOP = os.path.dirname(HERE)
DEFAULT_CLAIMS = os.path.join(TOP, "claims.json")
DEFAULT_DEVIATIONS = os.path.join(TOP, "deviations")
# explain lists the cases the built programs declare (their ATF metadata);
# without a build, the sources.
DEFAULT_CASES = os.path.join(os.environ.get("SHMCONFORM_BUILD") or
                             os.path.join(TOP, "build"), "cases")
if not os.path.isdir(DEFAULT_CASES):
    DEFAULT_CASES = os.path.join(TOP, "cases")


def _claims(args):
    path = args.claims
    if path is None and os.path.exists(DEFAULT_CLAIMS):
        path = DEFAULT_CLAIMS
    return claims_mod.load(path) if path else claims_mod.empty()


def _expectations(args, claims):
    """The deviations registry (a directory of *.json, or one file)."""
    if getattr(args, "no_expectations", False):
        return deviations.none()
    path = args.deviations
    if path is None:
        if not os.path.exists(DEFAULT_DEVIATIONS):
            return deviations.none()
        path = DEFAULT_DEVIATIONS
    return deviations.load(path, claims)


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
    # Every report is written here: a temporary file in the same
    # directory, renamed over the old one, so a full disk or a kill never
    # leaves half a report (and two runs never share a temporary name).
    d = os.path.dirname(path) or "."
    tmp = None
    try:
        os.makedirs(d, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".",
                                   suffix=".tmp", dir=d)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        tmp = None
    except OSError as e:
        raise UserError("cannot write %s: %s" % (path, e.strerror)) from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


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
    run = None
    if not args.kyua_log:
        run = _run(args, claims, exps)
    else:
        # An interrupted Kyua leaves no results in its file: its output
        # says which cases finished.
        try:
            run = _run(args, claims, exps)
        except UserError:
            pass
        if run is None or not run.cases:
            run = exps.apply(partial.run_from_kyua_log(args.kyua_log))
            run.seconds = args.elapsed
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
        if args.partial:
            text = marks.partial(name, text, args.partial)
        if _demo(args):
            text = marks.demonstration(name, text, _demo(args))
        _emit(text, path)
        written.append(path)
    sys.stdout.write(summary.write(run, claims, written, args.lang,
                                   _demo(args)))
    if args.partial:
        sys.stdout.write("partial run: %s\n" % args.partial)
    if _demo(args):
        return 0  # the failures of a demonstration are the point
    return 1 if run.unexpected() else 0


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
    if _demo(args):
        text = marks.demonstration({"tap": ".tap", "junit": ".xml",
                                    "export": ".json"}.get(args.cmd, ""),
                                   text, _demo(args))
    _emit(text, args.output)
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


def cmd_differences(args):
    claims = _claims(args)
    registry = _expectations(args, claims)
    labels = args.label or []
    loaded = []
    for i, r in enumerate(args.runs):
        run = runs.load(r, None, labels[i] if i < len(labels) else None)
        if not run.label:
            run.label = os.path.splitext(os.path.basename(r))[0]
        loaded.append(run)
    text, unexplained = differences.write_md(loaded, registry)
    _emit(text, args.md)
    sys.stderr.write("differences: %d unexplained\n" % unexplained)
    return 1 if unexplained else 0


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
    # sc-probe's own text: its big integers stay decimal strings.
    _emit(probe_mod.run_sc_probe(args.sc_probe, args.fs), args.output)
    return 0


def cmd_check(args):
    claims = _claims(args)
    path = args.path or DEFAULT_DEVIATIONS
    reg = deviations.load(path, claims)
    print("%s: %d deviation%s, all well-formed" % (
        path, len(reg.entries), "" if len(reg.entries) == 1 else "s"))
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
        sp.add_argument("--deviations", metavar="PATH",
                        help="the registry of known deviations: a "
                        "directory of *.json or one file (default: "
                        "deviations/)")
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
    a.add_argument("--partial", metavar="REASON",
                   help="the run was interrupted (REASON): every report "
                        "says it holds only the cases that finished")
    a.add_argument("--kyua-log", metavar="FILE",
                   help="kyua test's output, read for the finished cases "
                        "when the results file has none (a killed Kyua)")
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

    d = sub.add_parser("differences", help="every difference between "
                       "environments and the deviation that explains it "
                       "(exit 1 when one has none)")
    common(d, results=False)
    d.add_argument("runs", nargs="+", metavar="RUN")
    d.add_argument("--label", action="append",
                   help="a name for each run, in order (repeat; default: "
                   "the run's own label, else its file name)")
    d.add_argument("--md", metavar="FILE", help="default: standard output")
    d.set_defaults(func=cmd_differences)

    x = sub.add_parser("explain", help="a claim or case, in words, with its "
                       "results")
    common(x, results=False)
    x.add_argument("id", metavar="ID",
                   help="claim ID (MMAP-PAGES), case name, or program:case")
    x.add_argument("runs", nargs="*", metavar="RUN")
    x.add_argument("--cases", metavar="DIR",
                   help="built test programs (default: build/cases/), or "
                   "case sources (cases/)")
    x.set_defaults(func=cmd_explain)

    pr = sub.add_parser("probe", help="probe this environment (runs "
                        "sc-probe; JSON)")
    pr.add_argument("--sc-probe", metavar="PATH",
                    help="the probe (default: build/tools/sc-probe, or "
                    "$SHMCONFORM_BUILD/tools/sc-probe)")
    pr.add_argument("--fs", metavar="DIRS",
                    help="colon-separated directories (default: $TMPDIR "
                    "and /dev/shm)")
    pr.add_argument("-o", "--output", metavar="FILE")
    pr.set_defaults(func=cmd_probe)

    c = sub.add_parser("check-deviations",
                       help="validate the deviations registry")
    c.add_argument("path", nargs="?", metavar="DIR|FILE")
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
