"""Marks on finished reports: an interrupted (partial) run and a
demonstration under an injected fault (ci/break) say so in every format.

They are added to the finished text of each format, so they do not depend
on how each writer lays it out:
  results.json   top-level members (partial, partial_reason; demonstration)
  TAP            a comment after the version line; "Bail out!" at the end
                 of a partial run (the run was aborted)
  JUnit          a comment after the declaration, and a property among the
                 environment's (junit-10.xsd allows none directly inside
                 <testsuites>)
  HTML           a banner at the top of the body (the demonstration's is
                 the report's own, in both languages)
"""
import html as html_mod
import json
import re
from collections import OrderedDict

from .jsonfmt import dumps_portable


def mark(name, text, key, words, members, bail=False, banner=True):
    """text of report file name, marked: key names the JUnit property
    (shmconform.KEY), words say it in one line, members go into
    results.json."""
    if name.endswith(".json"):
        data = json.loads(text, object_pairs_hook=OrderedDict)
        data.update(members)
        return dumps_portable(data)
    if name.endswith(".tap"):
        first, _, rest = text.partition("\n")
        text = "%s\n# %s\n%s" % (first, words, rest)
        return text + ("Bail out! %s\n" % words if bail else "")
    if name.endswith(".xml"):
        decl, _, rest = text.partition("\n")
        text = "%s\n<!-- %s -->\n%s" % (decl, words.replace("--", "- -"),
                                        rest)
        prop = '      <property name="shmconform.%s" value="%s"/>' % (
            key, html_mod.escape(words))
        return re.sub(r"(<properties>)", lambda m: m.group(1) + "\n" + prop,
                      text, count=1)
    if name.endswith(".html") and banner:
        div = ('<p class="partial" style="background:#fdd;padding:1em;'
               'font-weight:bold">%s</p>' % html_mod.escape(
                   words[0].upper() + words[1:]))
        return re.sub(r"(<body\b[^>]*>)", lambda m: m.group(1) + "\n" + div,
                      text, count=1)
    return text


def partial(name, text, reason):
    """An interrupted run: only the cases that finished are here."""
    return mark(name, text, "partial", "partial run: %s; only the cases that "
                "finished are here" % reason,
                {"partial": True, "partial_reason": reason}, bail=True)


def demonstration(name, text, demo):
    """A run under an injected fault (demo: fault, what it breaks)."""
    fault, what = demo
    return mark(name, text, "demonstration",
                "DEMONSTRATION, not a real run: fault %s injected on purpose "
                "(%s); these results say nothing about this system" % (
                    fault, what),
                {"demonstration": {"fault": fault, "breaks": what}},
                banner=False)
