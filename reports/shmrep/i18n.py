"""The reports' words in English and Simplified Chinese.

Claim and case texts live with the claims (claims.json: each claim's "zh"
holds its statement, erratum and its cases' descriptions); the words of the
reports themselves (labels, verdicts, why a failure matters) live here.
Every key has both languages: tests/t-learners.sh checks it, and checks
claims.json, so nothing ships in one language only.

TAP and JUnit stay English (CI servers read them); the summary and explain
take --lang; the HTML report carries both and switches in place.
"""

LANGS = ("en", "zh")
HTML_LANG = {"en": "en", "zh": "zh-Hans"}

TEXT = {
    # verdicts of one check
    "pass": ("pass", "通过"),
    "fail": ("FAIL", "失败"),
    "skip": ("skip", "跳过"),
    "xfail": ("expected failure", "预期的失败"),
    "xpass": ("unexpected pass", "意外通过"),
    "broken": ("BROKEN", "中断"),
    # verdicts of a claim
    "fails": ("fails here", "在此不成立"),
    "deviates": ("known deviation", "已知偏差"),
    "holds": ("holds", "成立"),
    "stale": ("holds (expectation stale)", "成立（预期已过时）"),
    "skipped": ("not checked (skipped)", "未检查（已跳过）"),
    "untested": ("no case yet", "尚无用例"),
    # classes
    "POSIX": ("POSIX", "POSIX"),
    "Linux": ("Linux", "Linux"),
    "observed": ("observed", "观察所得"),
    # why a failure matters, by class
    "why-POSIX": (
        "POSIX requires this, so portable programs rely on it: here the "
        "system does not conform.",
        "这是 POSIX 要求的行为，可移植的程序依赖它：这里的系统不符合标准。"),
    "why-Linux": (
        "Linux documents this (man-pages) beyond POSIX: programs written "
        "for Linux rely on it, and this environment behaves differently "
        "from Linux.",
        "这是 Linux 在 POSIX 之外有文档（man-pages）说明的行为，为 Linux "
        "编写的程序依赖它，而这个环境的行为与 Linux 不同。"),
    "why-observed": (
        "POSIX leaves this unspecified; the suite records what Linux does. "
        "A different result is not wrong, but code that assumed Linux's "
        "behaviour will misbehave here.",
        "POSIX 对此未作规定，本套件记录的是 Linux 的实际行为。结果不同并不"
        "算错，但假定了 Linux 行为的代码在这里会出问题。"),
    "why-other": ("The suite checks this behaviour.", "本套件检查这一行为。"),
    "why-broken": (
        "The case could not finish (it crashed, timed out or its result was "
        "unreadable): the claim was not checked; the reason says what went "
        "wrong.",
        "用例没能运行完（崩溃、超时或结果无法读取）：这条论断没有得到检查；"
        "原因一栏说明了出了什么问题。"),
    "why-xfail-known": ("A known deviation of this environment "
                        "(expectation %s). ",
                        "这是该环境的已知偏差（预期条目 %s）。"),
    "why-xfail-declared": ("The case itself declares this failure expected. ",
                           "用例本身声明这个失败是预期的。"),
    "why-erratum": (" The tutorial is wrong on this point; see the erratum.",
                    "教程在这一点上有误，见勘误。"),
    # the HTML report
    "title": ("Shared memory on %s: what the tutorial gets right",
              "%s 上的共享内存：教程哪里说对了"),
    "lead": (
        "Each claim of the tutorial (Linux系统编程 day04: 共享内存) was "
        "checked on this system by small test cases. For each claim: the "
        "tutorial's words, the precise statement, where the tutorial is "
        "wrong (errata), and what every case observed.",
        "教程（Linux系统编程 day04: 共享内存）的每一条论断都在这个系统上用小"
        "测试用例检查过。每条论断列出：教程原文、精确表述、教程出错之处（勘误），"
        "以及每个用例观察到的结果。"),
    "run-line": ("Run started %s; %d cases, %d checks%s; results by %s.",
                 "运行开始于 %s；%d 个用例，%d 项检查%s；结果由 %s 产生。"),
    "unknown-time": ("at an unknown time", "未知时间"),
    "overall": (
        "Of %d claims: %d hold here, %d fail, %d deviate as expected, %d "
        "only skipped, %d have no case yet.",
        "共 %d 条论断：%d 条在此成立，%d 条不成立，%d 条按预期偏离，%d 条只有"
        "跳过的检查，%d 条尚无用例。"),
    "nothing-red": ("Nothing failed unexpectedly.", "没有意外的失败。"),
    "some-red": ("%d checks failed unexpectedly: see below.",
                 "%d 项检查意外失败：见下文。"),
    "claims": ("Claims", "论断"),
    "nav-failures": ("Failures and their lessons", "失败及其教训"),
    "nav-environment": ("Environment", "环境"),
    "nav-legend": ("How to read this report", "如何阅读本报告"),
    "failures-h": ("What failed, and what it teaches", "哪些失败了，说明了什么"),
    "failures-p": (
        "Every failure, expected or not, in one line; follow lesson for "
        "what was expected, what was observed and why it matters.",
        "每个失败（无论是否预期）占一行；点“讲解”查看预期是什么、观察到什么，"
        "以及为什么重要。"),
    "nothing-failed": ("Nothing failed: every check passed or was skipped "
                       "with a reason.",
                       "没有失败：每项检查都通过了，或者带着原因被跳过。"),
    "lesson": ("lesson", "讲解"),
    "why": ("why", "原因"),
    "col-result": ("Result", "结果"),
    "col-case": ("Case", "用例"),
    "col-checks": ("What it checks", "检查什么"),
    "col-class": ("Class", "类别"),
    "col-eo": ("Expected / observed", "预期 / 观察"),
    "col-claim": ("Claim", "论断"),
    "n-cases": ("%d cases, %d of %d checks passed.",
                "%d 个用例，%d / %d 项检查通过。"),
    "tutorial-says": ("The tutorial says", "教程原文"),
    "precisely": ("Precisely", "精确表述"),
    "not-in-tutorial": ("Not in the tutorial: the suite adds this claim.",
                        "教程中没有：这条论断由本套件补充。"),
    "erratum": ("Erratum: the tutorial is wrong here.", "勘误：教程这里有误。"),
    "beyond": ("beyond the tutorial", "教程之外"),
    "measured": ("Measured, not tested: %s.", "只做测量，不做测试：%s。"),
    "no-case": ("No case checks this claim yet.", "还没有用例检查这条论断。"),
    "checks-label": ("What the case checks:", "用例检查的是："),
    "looked-at": ("Looked at:", "检查对象："),
    "expected": ("Expected", "预期"),
    "observed-h": ("Observed", "观察到"),
    "no-reason": ("no reason given", "未给出原因"),
    "why-matters": ("Why it matters:", "为什么重要："),
    "known-deviation": ("Known deviation", "已知偏差"),
    "reference": ("Reference:", "参考："),
    "evidence": ("Evidence:", "证据："),
    "claim-label": ("Claim", "论断"),
    "check-label": ("Check:", "检查位置："),
    "context": ("Context:", "上下文："),
    "stderr": ("The case's full output (stderr)", "用例的完整输出（stderr）"),
    "source": ("The code that checked it", "做检查的代码"),
    "source-helper": ("The failing check, in a helper of the case",
                      "失败的检查，位于用例调用的辅助函数中"),
    "failing-line": ("the failing check", "失败的检查"),
    "skip-stale": ("expectation %s did not happen: stale?",
                   "预期条目 %s 没有发生：是否已过时？"),
    "other-cases": ("Cases outside the claims registry",
                    "不在论断登记表中的用例"),
    "exp-h": ("Expectations used", "用到的预期"),
    "exp-p": ("Known deviations of this environment (from %s) that matched "
              "a case in this run:",
              "本次运行中与用例匹配的该环境已知偏差（来自 %s）："),
    "exp-none": ("No expectation matched: every verdict above is the raw "
                 "observation.",
                 "没有匹配的预期：上面的每个结论都是原始观察结果。"),
    "exp-stale": ("this deviation did not happen there, the entry may be "
                  "stale", "这个偏差在那里没有发生，该条目可能已过时"),
    "env-h": ("Environment", "环境"),
    "legend-h": ("How to read this report", "如何阅读本报告"),
    "lg-pass": ("the system behaves as the precise statement says.",
                "系统的行为与精确表述一致。"),
    "lg-fail": ("it does not: the lesson under the claim says what was "
                "expected, what was observed and why it matters.",
                "系统的行为与之不符：论断下方的讲解说明预期是什么、观察到什么，"
                "以及为什么重要。"),
    "lg-xfail": ("a failure this environment is known for (an entry of "
                 "the deviations registry, with its explanation and "
                 "reference), or one the case itself declares; not counted "
                 "as red.",
                 "该环境已知的失败（已知偏差登记表中的条目，附解释和参考），"
                 "或用例本身声明的失败；不计为红色。"),
    "lg-xpass": ("a known deviation that did not happen: the system was "
                 "fixed or the registry entry is stale; red, as in ATF.",
                 "已知偏差没有发生：系统已修复，或登记表中的条目已过时；与 ATF "
                 "一样计为红色。"),
    "lg-skip": ("the environment cannot run the check (the reason says "
                "why); nothing was verified.",
                "环境无法运行这项检查（原因中说明为什么）；没有验证任何东西。"),
    "lg-broken": ("the case could not finish (crash, timeout): nothing was "
                  "verified.", "用例没能运行完（崩溃、超时）：没有验证任何东西。"),
    "lg-class-k": ("POSIX / Linux / observed", "POSIX / Linux / 观察所得"),
    "lg-class": ("the class of a case: required by POSIX, documented Linux "
                 "behaviour, or what Linux does where POSIX leaves it open.",
                 "用例的类别：POSIX 要求的、Linux 有文档说明的，或 POSIX 未规定"
                 "时 Linux 的实际行为。"),
    "on": (" on %s", "（%s 上）"),
    "demo-banner": (
        "DEMONSTRATION, not a real run: the fault %s was injected on "
        "purpose (%s). The failures below show what the cases report when "
        "this behaviour is broken; they say nothing about this system.",
        "演示，不是真实的运行结果：故意注入了故障 %s（%s）。下面的失败展示了"
        "这一行为被破坏时用例会报告什么；它们与这个系统本身无关。"),
    "lang-switch": ("Language", "语言"),
    "sec-general": ("General claims", "总体论断"),
    "sec-mmap": ("mmap and munmap", "mmap 与 munmap"),
    "sec-msync": ("msync", "msync"),
    "sec-sysv": ("System V shared memory (shmget, shmat, shmdt, shmctl)",
                 "System V 共享内存（shmget、shmat、shmdt、shmctl）"),
    "sec-extension": ("Beyond the tutorial", "教程之外"),
    # summary and explain (text)
    "sum-head": ("shmconform: %d passed, %d failed, %d skipped",
                 "shmconform：%d 通过，%d 失败，%d 跳过"),
    "sum-line2": ("  %d xfail (known deviations), %d xpass (expectations "
                  "that did not happen), %d broken; %d checks in %d cases%s; "
                  "on %s",
                  "  %d 个预期的失败（已知偏差），%d 个意外通过（预期没有发生），"
                  "%d 个中断；%d 项检查，%d 个用例%s；环境 %s"),
    "sum-xpass": ("passed, but known deviation %s says it fails here: "
                  "fixed, or the entry is stale",
                  "通过了，但已知偏差 %s 说它在这里会失败：问题已修复，或该条目已过时"),
    "sum-lesson": ("lesson", "讲解"),
    "sum-erratum": (" (the tutorial is wrong here: erratum)",
                    "（教程这里有误：见勘误）"),
    "sum-reports": ("reports", "报告"),
    "sum-demo": ("DEMONSTRATION under fault %s: these failures are "
                 "injected, not this system's",
                 "故障 %s 下的演示：这些失败是注入的，不是这个系统的"),
    "x-tutorial": ("tutorial", "教程原文"),
    "x-statement": ("statement", "精确表述"),
    "x-erratum": ("erratum", "勘误"),
    "x-not-in-tutorial": ("(not in the tutorial: the suite adds this claim)",
                          "（教程中没有：由本套件补充）"),
    "x-no-erratum": ("none: the tutorial is right here",
                     "无：教程这里是对的"),
    "x-verdict": ("verdict", "结论"),
    "x-checks": ("checks", "检查"),
    "x-source": ("source", "源代码"),
    "x-no-descr": ("(no description)", "（无描述）"),
    "x-not-run": ("not run", "未运行"),
    "x-n-cases": ("%d cases check it:", "%d 个用例检查它："),
    "x-no-case": ("No case checks it yet.", "还没有用例检查它。"),
    "x-per-fs": (", per file system", "，每个文件系统各一次"),
    "x-beyond": (", beyond the tutorial", "，教程之外"),
    "x-expectation": (" [expectation %s: %s]", " [预期条目 %s：%s]"),
    "x-run": ("run %d (%s)", "运行 %d（%s）"),
}


def t(key, lang="en"):
    """The text of key in lang ("en" or "zh")."""
    pair = TEXT[key]
    return pair[1] if lang == "zh" else pair[0]


def claim_text(claim, field, lang="en"):
    """A claim's statement or erratum in lang; English where zh has none."""
    if claim is None:
        return None
    if lang == "zh":
        zh = (claim.get("zh") or {}).get(field)
        if zh:
            return zh
    return claim.get(field)


def case_text(claim, case_id, descr, lang="en"):
    """A case's description in lang (zh from its claim's "zh"."cases")."""
    if lang == "zh" and claim is not None:
        zh = ((claim.get("zh") or {}).get("cases") or {}).get(case_id)
        if zh:
            return zh
    return descr


def missing(claims_data, declared):
    """What claims.json lacks in Chinese: ["CLAIM: statement", ...] for the
    claims, and each declared case ({program, name, claim}) without a
    description; also zh case texts that name no declared case."""
    out = []
    by_id = {}
    for c in claims_data.get("claims", []):
        by_id[c["id"]] = c
        zh = c.get("zh") or {}
        if not zh.get("statement"):
            out.append("%s: no zh.statement" % c["id"])
        if c.get("erratum") and not zh.get("erratum"):
            out.append("%s: an erratum but no zh.erratum" % c["id"])
        if not c.get("erratum") and zh.get("erratum"):
            out.append("%s: a zh.erratum but no erratum" % c["id"])
    for cls in (claims_data.get("classes") or {}):
        if cls not in ((claims_data.get("zh") or {}).get("classes") or {}):
            out.append("class %s: no zh.classes entry" % cls)
    known = set()
    for d in declared:
        cid = "%s:%s" % (d["program"], d["name"])
        known.add(cid)
        claim = by_id.get(d["claim"])
        if claim is None:
            continue
        if not ((claim.get("zh") or {}).get("cases") or {}).get(cid):
            out.append("%s (%s): no Chinese description in claims.json "
                       "(%s.zh.cases)" % (cid, d["claim"], d["claim"]))
    for c in by_id.values():
        for cid in ((c.get("zh") or {}).get("cases") or {}):
            if cid not in known:
                out.append("%s: zh.cases of %s names no case in cases/"
                           % (cid, c["id"]))
    for key, pair in TEXT.items():
        if len(pair) != 2 or not all(pair):
            out.append("reports text %r: not in both languages" % key)
    return out
