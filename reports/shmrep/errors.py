"""Errors the user can act on: printed as one line, never a traceback."""

import json


class UserError(Exception):
    """A problem with the input (missing file, corrupt results, unknown ID).

    shmreport.py prints "shmreport: <message>" and exits with status 2."""


def read_json(path, what, column=False):
    """The JSON in path; a missing, unreadable or invalid file is a
    UserError naming it as "<what> file" (with the column if asked)."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise UserError("%s file not found: %s" % (what, path)) from None
    except (OSError, UnicodeDecodeError) as e:
        raise UserError("cannot read %s file %s: %s" % (what, path, e)) \
            from None
    except json.JSONDecodeError as e:
        where = ("line %d column %d" % (e.lineno, e.colno) if column
                 else "line %d" % e.lineno)
        raise UserError("%s file %s is not valid JSON: %s: %s"
                        % (what, path, where, e.msg)) from None
