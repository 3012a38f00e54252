"""The claims registry (claims.json): ID -> the tutorial's words, the precise
statement, the erratum, the section."""

from .errors import UserError, read_json

CLASS_MEANING = {
    "POSIX": "required by POSIX: a failure is a conformance bug",
    "Linux": "documented Linux behaviour beyond POSIX (man-pages)",
    "observed": "what Linux does where POSIX leaves it unspecified; "
    "reported, never called wrong elsewhere",
}


class Claims:
    def __init__(self, data, path="claims.json"):
        self.path = path
        self.source = data.get("source", "")
        self.classes = dict(CLASS_MEANING)
        self.classes.update(data.get("classes") or {})
        self.by_id = {}
        self.order = []
        for c in data.get("claims", []):
            if not isinstance(c, dict) or not isinstance(c.get("id"), str):
                raise UserError("%s: a claim without an \"id\"" % path)
            self.by_id[c["id"]] = c
            self.order.append(c["id"])

    def get(self, cid):
        return self.by_id.get(cid)

    def sections(self):
        """[(section, [claim, ...]), ...] in registry order."""
        out = []
        for cid in self.order:
            c = self.by_id[cid]
            sec = c.get("section") or "other"
            if not out or out[-1][0] != sec:
                out.append((sec, []))
            out[-1][1].append(c)
        return out


def empty():
    return Claims({"claims": []}, "(no claims file)")


def load(path):
    if path is None:
        return empty()
    data = read_json(path, "claims")
    if not isinstance(data, dict) or not isinstance(data.get("claims"), list):
        raise UserError("claims file %s has no \"claims\" list" % path)
    return Claims(data, path)
