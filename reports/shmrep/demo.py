"""A demonstration run (ci/break) is never merged with real runs: the matrix
refuses it.  Its reports say what it is (marks.demonstration)."""
from .errors import UserError


def refuse(run, path):
    """Stop a demonstration from being merged with real runs."""
    if getattr(run, "demonstration", None):
        raise UserError("%s is a demonstration under an injected fault "
                        "(ci/break), not a real run: it is not merged"
                        % path)
