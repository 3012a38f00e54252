"""A demonstration run (ci/break): the reports of a run under an injected
fault say so in every format, and such a run is never merged with real
runs (the matrix refuses it)."""
import json
from collections import OrderedDict

from .errors import UserError


def banner(demo):
    fault, what = demo
    return ("DEMONSTRATION, not a real run: fault %s injected on purpose "
            "(%s); these results say nothing about this system" % (
                fault, what))


def mark(name, text, demo):
    """The file name's text with the demonstration said in it."""
    if not demo:
        return text
    line = banner(demo).replace("--", "- -")
    if name.endswith(".tap"):
        first, _, rest = text.partition("\n")
        return "%s\n# %s\n%s" % (first, line, rest)
    if name.endswith(".xml"):
        decl, _, rest = text.partition("\n")
        return "%s\n<!-- %s -->\n%s" % (decl, line, rest)
    if name.endswith(".json"):
        data = json.loads(text, object_pairs_hook=OrderedDict)
        data["demonstration"] = {"fault": demo[0], "breaks": demo[1]}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return text


def refuse(run, path):
    """Stop a demonstration from being merged with real runs."""
    if getattr(run, "demonstration", None):
        raise UserError("%s is a demonstration under an injected fault "
                        "(ci/break), not a real run: it is not merged"
                        % path)
