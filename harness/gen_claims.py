#!/usr/bin/env python3
"""Generate the C view of claims.json: an enum of claim IDs and their texts.

The enum is what makes the build fail on an unknown claim ID: a case names
SC_CLAIM_<ID>, and an ID that is not in claims.json is not declared.
"""
import json
import sys


def c_string(text):
    if text is None:
        return "NULL"
    out = []
    for ch in text.encode("utf-8"):
        if ch in (0x22, 0x5C):
            out.append("\\" + chr(ch))
        elif 0x20 <= ch < 0x7F:
            out.append(chr(ch))
        else:
            out.append("\\%03o" % ch)
    return '"' + "".join(out) + '"'


def enum_name(claim_id):
    return "SC_CLAIM_" + claim_id.replace("-", "_")


def main(src, header, source):
    with open(src, encoding="utf-8") as f:
        claims = json.load(f)["claims"]
    ids = [c["id"] for c in claims]
    if len(set(ids)) != len(ids):
        sys.exit("gen_claims: duplicate claim ID in " + src)
    with open(header, "w", encoding="utf-8") as h:
        h.write("/* Generated from claims.json by gen_claims.py: do not edit. */\n")
        h.write("#ifndef SC_CLAIMS_GEN_H\n#define SC_CLAIMS_GEN_H\n\n")
        h.write("enum sc_claim_id {\n")
        for c in claims:
            h.write("\t%s,\n" % enum_name(c["id"]))
        h.write("\tSC_CLAIM_COUNT\n};\n\n#endif\n")
    with open(source, "w", encoding="utf-8") as s:
        s.write("/* Generated from claims.json by gen_claims.py: do not edit. */\n")
        s.write('#include "sc.h"\n\n')
        s.write("const struct sc_claim sc_claims[SC_CLAIM_COUNT] = {\n")
        for c in claims:
            s.write("\t[%s] = {\n" % enum_name(c["id"]))
            s.write("\t\t.id = %s,\n" % c_string(c["id"]))
            s.write("\t\t.words = %s,\n" % c_string(c.get("words")))
            s.write("\t\t.statement = %s,\n" % c_string(c["statement"]))
            s.write("\t\t.erratum = %s,\n" % c_string(c.get("erratum")))
            s.write("\t\t.extension = %d,\n" % (1 if c.get("extension") else 0))
            s.write("\t},\n")
        s.write("};\n")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: gen_claims.py claims.json out.h out.c")
    main(*sys.argv[1:])
