#!/usr/bin/env python3
"""Generate the C view of the deviations registry (deviations/*.json): the
entries that expect a failure, as a table the case library matches at run
time (harness/sc_expect.c), so `kyua test` reports a known deviation as an
expected failure, as the report tools do.

The registry is read and validated by the report tools' own loader
(reports/shmrep/deviations.py): one parser, one set of rules.

  gen_deviations.py DEVIATIONS_DIR CLAIMS_JSON OUT.c
"""
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "reports"))

from gen_claims import c_string  # noqa: E402
from shmrep import claims as claims_mod  # noqa: E402
from shmrep import deviations  # noqa: E402
from shmrep.errors import UserError  # noqa: E402

OPS = {"==": "SC_KV_EQ", "!=": "SC_KV_NE", ">=": "SC_KV_GE", "<=": "SC_KV_LE",
       ">": "SC_KV_GT", "<": "SC_KV_LT"}
MAX_PARTS = 4  # numbers of a release compared (6.18.44 -> 6, 18, 44, 0)
MAX_RANGE = 4  # comparisons in one kernel range


def strings(name, values, out):
    """A NULL-terminated array of strings; its name, or NULL."""
    if not values:
        return "NULL"
    out.append("static const char *const %s[] = {%s, NULL};"
               % (name, ", ".join(c_string(v) for v in values)))
    return name


def main(src, claims_json, dest):
    try:
        reg = deviations.load(src, claims_mod.load(claims_json))
    except UserError as e:
        sys.exit("gen_deviations: %s" % e)
    pre, rows = [], []
    for i, e in enumerate(reg.entries):
        if "fail" not in e.verdicts:
            continue  # explains a skip or a pass: nothing for a case to do
        rng = e.kernel_range or []
        if len(rng) > MAX_RANGE or any(len(v) > MAX_PARTS for _, v in rng):
            sys.exit("gen_deviations: %s: kernel range too long for the C "
                     "table" % e.id)
        kernel = ", ".join("{%s, {%s}}" % (OPS[op], ", ".join(
            str(x) for x in v)) for op, v in rng)
        rows.append("\t{.id = %s,\n\t .case_glob = %s,\n\t .claim = %s,\n"
                    "\t .fs = %s,\n\t .env = %s,\n\t .kernel = {%s},\n"
                    "\t .nkernel = %d,\n\t .match = %s,\n"
                    "\t .expects_failure = %s},"
                    % (c_string(e.id), c_string(e.case), c_string(e.claim),
                       strings("sc_dev_fs_%d" % i, e.fs, pre),
                       c_string(e.env), kernel, len(rng),
                       strings("sc_dev_match_%d" % i, e.match, pre),
                       "true" if e.expects_failure else "false"))
    text = ["/* Generated from the files of deviations/ by "
            "gen_deviations.py: do not edit. */", '#include "sc_expect.h"',
            ""]
    text += pre + ["", "const struct sc_deviation sc_deviations[] = {"]
    text += rows + ["};", "const size_t sc_deviation_count = %d;" % len(rows),
                    ""]
    tmp = dest + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(text))
    os.replace(tmp, dest)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: gen_deviations.py DEVIATIONS_DIR claims.json out.c")
    main(*sys.argv[1:])
