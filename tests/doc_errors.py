#!/usr/bin/python3
"""doc_errors.py — every error message in ext/*.c is in its function's docs page.

Usage (from anywhere; paths are relative to the repo root):
  /usr/bin/python3 tests/doc_errors.py [-v] [--label WORD] [--pending FILE] [--list]

  -v         also print each template found, and where
  --list     print every (page, template) the checker extracts, then the count
  --core     also report (not counted) the om_errf templates of ext/core/*/*.c
             that no docs page's Errors section lists (their SQL function is
             not known statically: any page will do)
  --pending  the allow-list (default tests/doc_errors_pending.txt; '' for none)
  --not-raised  the exceptions (default tests/doc_errors_not_raised.txt; '' for none)

Behaviours:
  1. Sources: ext/*.c (the SQL layer).  Comments are ignored; string
     literals and line numbers are kept.  An error site is
       - omen_errorf(ctx, <fn>, "<format>", ...)   (errors.c prefixes "<fn>(): "),
       - imp_error(cur, <msg>) in ext/importance.c (prefix "model_importance(): "),
       - mf_errmsg(cur, <msg>) in ext/model_features.c (prefix "model_features(): "),
       - ax_errmsg(cur, <msg>) in ext/model_features.c (prefix "anomaly_explain(): ";
         the errors only anomaly_explain raises; those it shares with
         model_features go through mf_errmsg and are checked on that page),
       - fc_error(cur, "<format>", ...) in ext/forecast.c (prefix
         "forecast(): "), sv_error(cur, <fn>, "<format>", ...) in
         ext/series_views.c (prefix "<fn>(): "),
       - rh_errmsg(vt, "<format>", ...) in ext/run_history.c (prefix
         "run_history(): "),
       - `*errmsg = sqlite3_mprintf("<format>", ...)` in ext/registry.c: the
         registry's messages, which every function taking a reference passes
         on; their page is docs/model_info.md, which the other pages cite
         ("registry errors ... as listed in model_info"); the same in
         ext/vtab_model.c: a feature vector matched by a table-valued
         function (explain, explain_diff, model_scores), checked on
         docs/explain.md,
       - omen_vt_error(vtab, <fn>, "<format>", ...) (vtab_model.c; prefix
         "<fn>(): ").
     Adjacent string literals are joined; C escapes are decoded.  A format
     that is a variable is traced to `<var> = sqlite3_mprintf("<format>", ...)`
     in the same C function.  A format that is only "%s" (a message made
     elsewhere: core, SQLite) is not a template and is skipped.
  2. The SQL function <fn> is found statically: a string literal; a
     `#define NAME "..."` in the file; a `[static] const char NAME[] = "..."`
     or `const char *NAME = "..."` in the enclosing C function or at file
     scope; or, when <fn> is a parameter of the enclosing C function, each
     call of that function in ext/*.c, resolved the same way (recursively).
     One template can so belong to several SQL functions (omen_model_arg's
     messages belong to scale, model_info, predict_* ...): one check each.
     A site whose function cannot be found is a failure that says so.
  3. A template is documented if it matches somewhere in the "Errors"
     section of docs/<fn>.md (from a heading containing "Errors" to the
     next heading of the same or a higher level; markdown `\\|` read as |).
     Matching: the template's literal text must appear as is, and each
     printf conversion (%s %d %lld %zu %u %g %.*s %!.15g %q %w %c %x ...)
     matches any run of text without a backtick or a line break — so the
     page's placeholders (`<TYPE>`, `<name>`, `…`) or an example value fit.
     "%%" is a literal %.  The "<fn>(): " prefix is not required.
  4. Each (site, function) is one case: documented = pass; not documented =
     `FAIL <file>:<line>: <fn>(): missing from docs/<fn>.md: "<template>"`
     — unless (page, template) is in the pending allow-list, when it is
     counted as skipped and printed as `pending ...`.  A missing page or a
     page without an Errors section fails every template of that page.
  5. The pending file: one entry a line, `<page> | <template>` exactly as
     the checker prints them (page = the docs file name without .md, or `?`
     for a site whose function is unknown); blank lines and `#` comments
     ignored.  An entry that matches no missing template (documented now, or
     the message changed or is gone) is a failure: "stale pending entry",
     so the list only ever shrinks to empty.
  6. The not-raised file, same format: pairs the static resolution of rule 2
     attributes to a function that the code never raises there (a branch
     taken only for other callers, e.g. predict_failure's objective check
     for predict_duration).  Those pairs are not checked and not counted;
     each entry needs a comment saying why.  An entry that matches no
     extracted pair is a failure ("stale not-raised entry").
  7. Fewer than 20 templates found means the extraction broke: a failure.
  8. The last line is `<label>: N passed, M failed, K skipped` (K pending);
     exit 1 if M > 0 or N = 0.
Standard library only.
"""

import glob
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_PENDING = os.path.join("tests", "doc_errors_pending.txt")
DEFAULT_NOT_RAISED = os.path.join("tests", "doc_errors_not_raised.txt")

# Calls that raise an error: name -> (index of the function-name argument or a
# fixed SQL function name, index of the format/message argument).
ERROR_CALLS = {
    "omen_errorf": (1, 2),
    "imp_error": ("model_importance", 1),
    "mf_errmsg": ("model_features", 1),
    "ax_errmsg": ("anomaly_explain", 1),
    "rh_errmsg": ("run_history", 1),
    "fc_error": ("forecast", 1),
    "sv_error": (1, 2),
    "ex_error": ("explain", 2),
    "omen_vt_error": (1, 2),
}
# Messages made in one file and passed on by many functions: (file, regex of
# the assignment before the format literal's call, the page that lists them).
SHARED = [
    ("registry.c", r"\*\s*errmsg\s*=\s*sqlite3_mprintf\s*\(", "model_info"),
    ("vtab_model.c", r"\*\s*errmsg\s*=\s*sqlite3_mprintf\s*\(", "explain"),
]
CONV_RE = re.compile(r"%%|%[-+ #0!,]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?:hh|h|ll|l|z|j|t|L)?[diouxXeEfgGcspqQwzT]")
WILD = "[^`\\n]*?"


# ----------------------------------------------------------------- C text --

def strip_comments(src):
    """Replace comments by spaces (newlines kept); strings and chars untouched."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if c in "\"'":
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            out.append(src[i:j + 1])
            i = j + 1
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def skip_string(text, i):
    """text[i] is a quote: return the index after the literal."""
    q, j = text[i], i + 1
    while j < len(text) and text[j] != q:
        j += 2 if text[j] == "\\" else 1
    return j + 1


def call_args(text, open_paren):
    """Split the arguments of the call whose '(' is at open_paren.
    Return ([(arg text, offset)], index after ')')."""
    args, depth, start, i = [], 0, open_paren + 1, open_paren
    while i < len(text):
        c = text[i]
        if c in "\"'":
            i = skip_string(text, i)
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                args.append((text[start:i], start))
                return [(a.strip(), o) for a, o in args if a.strip() or len(args) > 1], i + 1
        elif c == "," and depth == 1:
            args.append((text[start:i], start))
            start = i + 1
        i += 1
    return [(a.strip(), o) for a, o in args], len(text)


STR_LIT_RE = re.compile(r'\s*"((?:[^"\\]|\\.)*)"\s*', re.S)
ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'", "0": "\0", "r": "\r"}


def literal(arg):
    """The decoded value of an argument made only of string literals, else None."""
    pos, parts = 0, []
    while pos < len(arg):
        m = STR_LIT_RE.match(arg, pos)
        if not m:
            return None
        parts.append(re.sub(r"\\(.)", lambda e: ESCAPES.get(e.group(1), e.group(1)), m.group(1)))
        pos = m.end()
    return "".join(parts) if parts else None


FUNC_RE = re.compile(r"^[A-Za-z_][\w \t\*]*?\b(\w+)\s*\(([^()]*)\)\s*\{", re.M)


class CFile:
    def __init__(self, path):
        self.path = path
        self.rel = os.path.relpath(path, REPO)
        with open(path, encoding="utf-8") as f:
            self.text = strip_comments(f.read())
        self.funcs = []   # (name, [param names], body start, body end)
        for m in FUNC_RE.finditer(self.text):
            if m.group(1) in ("if", "for", "while", "switch", "return", "sizeof"):
                continue
            params = []
            for p in m.group(2).split(","):
                w = re.findall(r"\w+", p.split("[")[0])
                params.append(w[-1] if w and w != ["void"] else "")
            start = m.end() - 1
            self.funcs.append((m.group(1), params, start, self.block_end(start)))
        self.defines = dict(re.findall(r'^\s*#\s*define\s+(\w+)\s+"([^"\\]*)"', self.text, re.M))

    def block_end(self, brace):
        depth, i = 0, brace
        while i < len(self.text):
            c = self.text[i]
            if c in "\"'":
                i = skip_string(self.text, i)
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    return i
            i += 1
        return len(self.text)

    def file_scope(self):
        """The text outside function bodies (bodies blanked)."""
        t = self.text
        for f in reversed(self.funcs):
            t = t[:f[2]] + " " * (f[3] - f[2]) + t[f[3]:]
        return t

    def line(self, offset):
        return self.text.count("\n", 0, offset) + 1

    def enclosing(self, offset):
        for f in self.funcs:
            if f[2] <= offset <= f[3]:
                return f
        return None

    def calls(self, name):
        """Yield the offset of each '(' of a call of name (not its definition)."""
        for m in re.finditer(r"\b%s\s*\(" % re.escape(name), self.text):
            f = self.enclosing(m.start())
            if f is None:
                continue     # a declaration or the definition's own header
            yield m.end() - 1


# ------------------------------------------------------------- resolution --

def resolve_name(files, cf, offset, expr, seen):
    """SQL function names an expression can hold at offset in cf: (set, problems)."""
    lit = literal(expr)
    if lit is not None:
        return {lit}, []
    if not re.fullmatch(r"\w+", expr):
        return set(), ["function name is the expression %r" % expr]
    if expr in cf.defines:
        return {cf.defines[expr]}, []
    f = cf.enclosing(offset)
    scopes = [cf.text[f[2]:f[3]]] if f else []
    if not (f and expr in f[1]):
        scopes.append(cf.file_scope())     # a parameter hides file-scope names
    for scope in scopes:
        m = re.search(r'\bconst\s+char\s*(?:\*\s*(?:const\s+)?%s|%s\s*\[\s*\])\s*=\s*("(?:[^"\\]|\\.)*")' %
                      (re.escape(expr), re.escape(expr)), scope)
        if m:
            return {literal(m.group(1))}, []
    if f and expr in f[1]:
        k = f[1].index(expr)
        key = (f[0], k)
        if key in seen:
            return set(), []
        seen = seen | {key}
        names, problems, found = set(), [], False
        for other in files:
            for paren in other.calls(f[0]):
                args, _ = call_args(other.text, paren)
                if len(args) <= k:
                    continue
                found = True
                n, p = resolve_name(files, other, paren, args[k][0], seen)
                names |= n
                problems += p
        if not found:
            problems.append("no call of %s() found to tell what %s is" % (f[0], expr))
        return names, problems
    return set(), ["cannot tell what %r holds" % expr]


def format_of(cf, offset, expr):
    """The format literal of an error argument (tracing a variable), or None."""
    lit = literal(expr)
    if lit is not None or not re.fullmatch(r"\w+", expr):
        return lit
    f = cf.enclosing(offset)
    body = cf.text[f[2]:f[3]] if f else cf.text
    m = re.search(r"\b%s\s*=\s*sqlite3_mprintf\s*\(" % re.escape(expr), body)
    if not m:
        return None
    args, _ = call_args(body, m.end() - 1)
    return literal(args[0][0]) if args else None


def is_passthrough(fmt):
    return CONV_RE.sub("", fmt).strip() == "" and fmt.strip() != ""


class Site:
    def __init__(self, cf, offset, fmt, names, problems):
        self.where = "%s:%d" % (cf.rel, cf.line(offset))
        self.fmt = fmt
        self.names = sorted(names)
        self.problems = problems


def extract(files):
    sites = []
    for cf in files:
        for call, (fn_arg, fmt_arg) in ERROR_CALLS.items():
            for paren in cf.calls(call):
                args, _ = call_args(cf.text, paren)
                if len(args) <= fmt_arg:
                    continue
                fmt = format_of(cf, paren, args[fmt_arg][0])
                if fmt is None or is_passthrough(fmt):
                    continue
                if isinstance(fn_arg, str):
                    names, problems = {fn_arg}, []
                else:
                    names, problems = resolve_name(files, cf, paren, args[fn_arg][0], frozenset())
                sites.append(Site(cf, paren, fmt, names, problems))
        for base, pattern, page in SHARED:
            if os.path.basename(cf.path) != base:
                continue
            for m in re.finditer(pattern, cf.text):
                args, _ = call_args(cf.text, m.end() - 1)
                fmt = literal(args[0][0]) if args else None
                if fmt and not is_passthrough(fmt):
                    sites.append(Site(cf, m.end() - 1, fmt, {page}, []))
    return sites


# ------------------------------------------------------------------ docs --

def errors_section(path):
    """The text of the page's Errors section, or None."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out, level = None, None
    for line in lines:
        m = re.match(r"^(#+)\s+(.*)$", line)
        if m:
            if level is not None and len(m.group(1)) <= level:
                break
            if level is None and "error" in m.group(2).lower():
                level, out = len(m.group(1)), []
                continue
        if out is not None:
            out.append(line.replace("\\|", "|"))
    return None if out is None else "\n".join(out)


def template_regex(fmt):
    parts, pos = [], 0
    for m in CONV_RE.finditer(fmt):
        parts.append(re.escape(fmt[pos:m.start()]))
        parts.append(re.escape("%") if m.group(0) == "%%" else WILD)
        pos = m.end()
    parts.append(re.escape(fmt[pos:]))
    return re.compile("".join(parts))


def show(fmt):
    return fmt.replace("\\", "\\\\").replace("\n", "\\n")


def read_pending(path):
    entries = {}
    if not path or not os.path.exists(path):
        return entries
    with open(path, encoding="utf-8") as f:
        for no, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            page, sep, tmpl = line.partition(" | ")
            entries[(page.strip(), tmpl)] = no if sep else -no
    return entries


def report_core():
    """Informational: core templates missing from every docs Errors section."""
    sections = []
    for path in sorted(glob.glob(os.path.join(REPO, "docs", "*.md"))):
        sec = errors_section(path)
        if sec:
            sections.append(sec)
    text = "\n".join(sections)
    found = missing = 0
    for path in sorted(glob.glob(os.path.join(REPO, "ext", "core", "*", "*.c"))):
        cf = CFile(path)
        for paren in cf.calls("om_errf"):
            args, _ = call_args(cf.text, paren)
            fmt = literal(args[2][0]) if len(args) > 2 else None
            if fmt is None or is_passthrough(fmt):
                continue
            if template_regex(fmt).search(text):
                found += 1
            else:
                missing += 1
                print("core %s:%d: in no docs Errors section: \"%s\"" % (cf.rel, cf.line(paren), show(fmt)))
    print("core (not counted): %d templates documented somewhere, %d in no docs page" % (found, missing))


def main(argv):
    args = argv[1:]
    verbose = "-v" in args
    listing = "--list" in args
    label, pending_path = "doc_errors", os.path.join(REPO, DEFAULT_PENDING)
    if "--label" in args:
        label = args[args.index("--label") + 1]
    if "--pending" in args:
        p = args[args.index("--pending") + 1]
        pending_path = os.path.join(REPO, p) if p and not os.path.isabs(p) else p
    not_raised_path = os.path.join(REPO, DEFAULT_NOT_RAISED)
    if "--not-raised" in args:
        p = args[args.index("--not-raised") + 1]
        not_raised_path = os.path.join(REPO, p) if p and not os.path.isabs(p) else p
    files = [CFile(p) for p in sorted(glob.glob(os.path.join(REPO, "ext", "*.c")))]
    sites = extract(files)
    pending = read_pending(pending_path)
    not_raised = read_pending(not_raised_path)
    used = set()
    extracted = set()
    passed = failed = skipped = 0
    pages = {}

    def fail(msg):
        nonlocal failed
        failed += 1
        print("FAIL " + msg, flush=True)

    for path, entries in ((pending_path, pending), (not_raised_path, not_raised)):
        for key, no in entries.items():
            if no < 0:
                fail("%s:%d: not '<page> | <template>'" % (os.path.relpath(path, REPO), -no))
    n_templates = 0
    for s in sites:
        targets = s.names or ["?"]
        for name in targets:
            n_templates += 1
            key = (name, s.fmt)
            extracted.add(key)
            if key in not_raised:
                if verbose:
                    print("not-raised %s: %s(): \"%s\"" % (s.where, name, show(s.fmt)))
                continue
            if listing:
                print("%s | %s    (%s)" % (name, show(s.fmt), s.where))
            if name == "?":
                why = "; ".join(s.problems) or "no SQL function found"
                if key in pending:
                    used.add(key)
                    skipped += 1
                    print("pending %s: ?: %s: \"%s\"" % (s.where, why, show(s.fmt)))
                else:
                    fail("%s: cannot tell which SQL function raises \"%s\" (%s)" % (s.where, show(s.fmt), why))
                continue
            if name not in pages:
                path = os.path.join(REPO, "docs", name + ".md")
                pages[name] = errors_section(path) if os.path.exists(path) else False
            section = pages[name]
            ok = bool(section) and template_regex(s.fmt).search(section) is not None
            if ok:
                passed += 1
                if verbose:
                    print("pass %s: %s(): \"%s\"" % (s.where, name, show(s.fmt)))
            elif key in pending:
                used.add(key)
                skipped += 1
                print("pending %s: %s(): missing from docs/%s.md: \"%s\"" % (s.where, name, name, show(s.fmt)))
            elif section is False:
                fail("%s: %s(): there is no docs/%s.md for \"%s\"" % (s.where, name, name, show(s.fmt)))
            elif section is None:
                fail("%s: %s(): docs/%s.md has no Errors section, so \"%s\" is undocumented" %
                     (s.where, name, name, show(s.fmt)))
            else:
                fail("%s: %s(): missing from docs/%s.md: \"%s\"" % (s.where, name, name, show(s.fmt)))
        for p in s.problems:
            if verbose:
                print("note %s: %s" % (s.where, p))
    for key, no in sorted(pending.items(), key=lambda kv: kv[1]):
        if no > 0 and key not in used:
            fail("%s:%d: stale pending entry (documented now, or no such message): %s | %s" %
                 (os.path.relpath(pending_path, REPO), no, key[0], key[1]))
    if "--core" in args:
        report_core()
    for key, no in sorted(not_raised.items(), key=lambda kv: kv[1]):
        if no > 0 and key not in extracted:
            fail("%s:%d: stale not-raised entry (no such message for that function): %s | %s" %
                 (os.path.relpath(not_raised_path, REPO), no, key[0], key[1]))
    if n_templates < 20:
        fail("only %d error templates found in ext/*.c: the extraction is broken" % n_templates)
    print("%s: %d passed, %d failed, %d skipped" % (label, passed, failed, skipped), flush=True)
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
