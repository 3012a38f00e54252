#!/usr/bin/env python3
"""Load an HTML report in headless Chromium at a given width and report what
sticks out: the page must never scroll sideways, and no element may be wider
than the viewport unless it sits in a box that scrolls by itself.  With
--lang zh it first clicks the language switch and checks that the Chinese
texts show and the English ones hide (and the reverse with en).

  check_layout.py BROWSER FILE.html WIDTH [--lang en|zh] [--screenshot PNG]

Prints "ok ..." and exits 0, or lists the offenders and exits 1.  The
report has no script of its own: the check is added to a copy of it.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

PROBE = r"""
<script>
window.addEventListener("load", function () {
  var want = %(lang)s, out = {errors: []};
  if (want) {
    var r = document.getElementById("lang-" + want);
    if (!r) out.errors.push("no language switch #lang-" + want);
    else r.click();
    var other = want === "zh" ? "en" : "zh", shown = 0, hidden = 0;
    document.querySelectorAll(".t").forEach(function (el) {
      var vis = getComputedStyle(el).display !== "none";
      var l = el.lang.slice(0, 2);
      if (l === want && vis) shown++;
      if (l === other && vis) out.errors.push("still shown after switching to "
        + want + ": " + el.textContent.slice(0, 60));
      if (l === other && !vis) hidden++;
    });
    out.shown = shown; out.hidden = hidden;
    if (!shown) out.errors.push("no text shown in " + want);
  }
  var vw = document.documentElement.clientWidth;
  out.viewport = vw;
  out.scrollWidth = document.documentElement.scrollWidth;
  if (out.scrollWidth > vw + 1)
    out.errors.push("the page scrolls sideways: " + out.scrollWidth + " px wide in a "
      + vw + " px viewport");
  function scrolls(el) {
    for (var p = el.parentElement; p; p = p.parentElement) {
      var o = getComputedStyle(p).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden") return true;
    }
    return false;
  }
  var n = 0;
  document.querySelectorAll("body *").forEach(function (el) {
    var st = getComputedStyle(el);
    if (st.display === "none" || el.classList.contains("langsel")) return;
    var r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return;
    if ((r.right > vw + 1 || r.left < -1) && !scrolls(el)) {
      if (n++ < 15) out.errors.push("wider than the viewport (" + Math.round(r.left)
        + ".." + Math.round(r.right) + " px of " + vw + "): <" + el.tagName.toLowerCase()
        + (el.id ? " id=" + el.id : "") + (el.className ? " class=" + el.className : "")
        + "> " + (el.textContent || "").trim().slice(0, 50));
    }
  });
  out.elements = document.querySelectorAll("body *").length;
  parent.postMessage(JSON.stringify(out), "*");
});
</script>
"""

# Headless Chromium will not make a window narrower than 500 px: the page
# is loaded in a frame of the width asked for, and reports to its parent.
FRAME = """<!DOCTYPE html><html><body style="margin:0">
<iframe src="page.html" style="border:0;width:%(w)dpx;height:900px"></iframe>
<pre id="layout-result"></pre>
<script>window.addEventListener("message", function (e) {
  document.getElementById("layout-result").textContent = e.data; });</script>
</body></html>
"""


def main(argv):
    args = argv[1:]
    shot = lang = None
    if "--screenshot" in args:
        i = args.index("--screenshot")
        shot = args[i + 1]
        del args[i:i + 2]
    if "--lang" in args:
        i = args.index("--lang")
        lang = args[i + 1]
        del args[i:i + 2]
    browser, page, width = args[0], args[1], int(args[2])
    with open(page, encoding="utf-8") as f:
        html = f.read()
    probe = PROBE % {"lang": json.dumps(lang)}
    html = html.replace("</body>", probe + "</body>", 1)
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "page.html")
        with open(copy, "w", encoding="utf-8") as f:
            f.write(html)
        frame = os.path.join(tmp, "frame.html")
        with open(frame, "w", encoding="utf-8") as f:
            f.write(FRAME % {"w": width})
        base = [browser, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--hide-scrollbars", "--user-data-dir=" + os.path.join(
                    tmp, "profile"),
                "--window-size=%d,900" % max(width, 500)]
        res = subprocess.run(base + ["--virtual-time-budget=5000",
                                     "--allow-file-access-from-files",
                                     "--dump-dom", "file://" + frame],
                             capture_output=True, text=True, timeout=120)
        if shot:
            with open(frame, "w", encoding="utf-8") as f:
                f.write(FRAME.replace("page.html", "file://" + os.path.abspath(
                    page)) % {"w": width})
            subprocess.run(base + ["--screenshot=" + os.path.abspath(shot),
                                   "file://" + frame], capture_output=True,
                           timeout=120)
    m = re.search(r'<pre id="layout-result">(.+?)</pre>', res.stdout, re.S)
    if not m:
        print("not ok: no result from Chromium (%s)" % res.stderr[-300:])
        return 1
    out = json.loads(m.group(1).replace("&lt;", "<").replace(
        "&gt;", ">").replace("&quot;", '"').replace("&amp;", "&"))
    where = "%s at %d px%s" % (os.path.basename(page), width,
                               ", switched to " + lang if lang else "")
    if out["errors"]:
        print("not ok: %s:" % where)
        for err in out["errors"]:
            print("  " + err)
        return 1
    print("ok: %s: %d elements within the %d px viewport%s" % (
        where, out["elements"], out["viewport"],
        "; %d texts shown, %d hidden" % (out["shown"], out["hidden"])
        if lang else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
