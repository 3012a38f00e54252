#!/usr/bin/env python3
"""Make tests/reports/fixtures/records/ from fixtures/synthetic/: the same
run as the harness writes it with failures as data (reports/FORMAT.md,
"Records"), and with its prose reworded, so the test can show the reports
read the records, not the words.  Run by hand after make-fixtures.sh:

  python3 tests/reports/make-records-fixture.py

Constructed: the records are made from the synthetic run's own lesson
blocks (check file:line, the failed line) and reasons, one per failed
check, with the keys the harness writes; every "what: expected X, observed
Y" of the prose (the reason Kyua stored, the shmconform-fs lines, the
lesson's "failed" line) then becomes "what -- wanted X, saw Y"."""
import json
import os
import re
import shutil
import sqlite3
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "reports"))

from shmrep import lesson  # noqa: E402

SRC = os.path.join(HERE, "fixtures", "synthetic")
DST = os.path.join(HERE, "fixtures", "records")
EXPECTED = re.compile(r": expected (.*?), observed ")


def reword(text):
    return EXPECTED.sub(lambda m: " -- wanted %s, saw " % m.group(1),
                        text or "")


def records(case, stderr, reasons):
    """One shmconform-check line per lesson block."""
    out = []
    for key, block in lesson.parse_blocks(stderr).items():
        fs_type, fs_dir = key if key else (None, None)
        reason = next((r for r in reasons if fs_type is None or
                       (" on %s %s:" % (fs_type, fs_dir)) in r), reasons[0])
        f = lesson.parse_reason(reason)
        file, _, line = (block.get("check") or ":").partition(":")
        out.append("shmconform-check: " + json.dumps({
            "claim": f["claim"], "class": f["class"], "case": case,
            "fs_type": fs_type, "fs_dir": fs_dir, "check": f["what"],
            "expected": f["expected"], "observed": f["observed"],
            "errno_expected": None, "errno_observed": None,
            "file": file or None, "line": int(line) if line else None,
            "reason": reword(reason)}, ensure_ascii=False))
    return out


def main():
    os.makedirs(DST, exist_ok=True)
    shutil.copy(os.path.join(SRC, "probe.json"), DST)
    dst = os.path.join(DST, "kyua.db")
    shutil.copy(os.path.join(SRC, "kyua.db"), dst)
    db = sqlite3.connect(dst)
    cases = {tcid: (name, reason) for tcid, name, reason in db.execute(
        "SELECT c.test_case_id, c.name, r.result_reason FROM test_cases c "
        "JOIN test_results r USING (test_case_id)")}
    files = {}
    for tcid, fname, fid, contents in db.execute(
            "SELECT f.test_case_id, f.file_name, f.file_id, c.contents "
            "FROM test_case_files f JOIN files c USING (file_id)"):
        files[(tcid, fname)] = (fid, bytes(contents).decode("utf-8"))
    for tcid, (name, reason) in cases.items():
        out = files.get((tcid, "__STDOUT__"))
        err = files.get((tcid, "__STDERR__"))
        fs_reasons = [ln.split("\t", 4)[4] for ln in (out[1] if out else "")
                      .splitlines() if ln.startswith("shmconform-fs:\tfail")]
        if err and "=== shmconform:" in err[1]:
            recs = records(name, err[1], fs_reasons or [reason or ""])
            text = "\n".join(reword(ln) if ln.startswith("failed ") else ln
                             for ln in err[1].split("\n"))
            db.execute("UPDATE files SET contents = ? WHERE file_id = ?",
                       (("\n".join(recs) + "\n" + text).encode(), err[0]))
        if out:
            db.execute("UPDATE files SET contents = ? WHERE file_id = ?",
                       (reword(out[1]).encode(), out[0]))
        if reason:
            db.execute("UPDATE test_results SET result_reason = ? "
                       "WHERE test_case_id = ?", (reword(reason), tcid))
    db.commit()
    db.execute("VACUUM")
    db.close()
    print("records fixture written to %s" % DST)


if __name__ == "__main__":
    main()
