"""Errors the user can act on: printed as one line, never a traceback."""


class UserError(Exception):
    """A problem with the input (missing file, corrupt results, unknown ID).

    shmreport.py prints "shmreport: <message>" and exits with status 2."""
