"""Open a run given on the command line: a kyua.db (with probe.json beside
it), a shmconform results file (JSON), or a directory holding either."""
import os

from . import jsonfmt, kyuadb, probe
from .errors import UserError


def load(path, probe_path=None, label=None, elapsed=None):
    if os.path.isdir(path):
        for name in ("kyua.db", "results.json"):
            if os.path.exists(os.path.join(path, name)):
                path = os.path.join(path, name)
                break
        else:
            raise UserError("no kyua.db or results.json in directory %s"
                            % path)
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except FileNotFoundError:
        raise UserError("results file not found: %s" % path) from None
    except OSError as e:
        raise UserError("cannot read results file %s: %s"
                        % (path, e.strerror)) from None
    if head.startswith(b"SQLite format 3"):
        if probe_path is None:
            beside = os.path.join(os.path.dirname(path) or ".", "probe.json")
            probe_path = beside if os.path.exists(beside) else None
        run = kyuadb.load(path, probe.load(probe_path) if probe_path
                          else None)
    elif head.lstrip()[:1] == b"{":
        run = jsonfmt.load(path)
        if probe_path:
            run.probe = probe.load(probe_path)
    else:
        raise UserError("%s is neither a Kyua results file nor a shmconform "
                        "results file (JSON)" % path)
    if label:
        run.label = label
    if elapsed is not None:
        run.seconds = elapsed
    return run
