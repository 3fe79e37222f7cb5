#!/usr/bin/python3
"""amalgamate.py — omen as one C file: OUTDIR/omen.c and OUTDIR/omen.h.

Usage (from anywhere; paths are relative to the repository root):
  /usr/bin/python3 tools/amalgamate.py [--out OUTDIR] [--report] [SOURCE.c ...]
  make amalgamation            (OUTDIR = build/amalgamation, or $(B)/amalgamation)

The sources are the SOURCE files (the Makefile passes exactly those
build/omen.so is linked from), or by default every ext/core/*/*.c and ext/*.c;
either way ordered ext/core/base/ first, then the other core families, then
the SQL layer, and ext/omen.c (the entry point) last.  Standard library only.

The result builds like SQLite's own amalgamation, with no -I but system ones:
  cc -c omen.c                      a loadable extension: sqlite3ext.h, the entry
                                    point sqlite3_omen_init as in build/omen.so
  cc -c -DOMEN_STATIC omen.c        to link into a program that links SQLite
                                    itself (SQLITE_CORE is the same switch):
                                    sqlite3.h, and sqlite3_omen_init is the
                                    function to hand to sqlite3_auto_extension()
and links with -llapacke -llapack -lxxhash -lm -lpthread (docs/EMBED.md).

Behaviours:
  1. Each project header (`#include "..."`, resolved against the including
     file's folder, as the compiler does) is inlined at its first inclusion,
     its own include guard kept; a later inclusion of the same file becomes a
     comment.  System headers (`#include <...>`) stay as they are.
  2. omen.h is written from VERSION (the one place the version lives):
     OMEN_VERSION "x.y.z", OMEN_VERSION_NUMBER (x*1000000 + y*1000 + z) and
     the prototype of sqlite3_omen_init.  omen.c starts with the same text,
     so omen.c needs no header of ours; it also defines _GNU_SOURCE (the
     Makefile's -D_GNU_SOURCE) and OMEN_CFLAGS for omen_build_info().  With
     OMEN_STATIC or SQLITE_CORE defined it defines SQLITE_CORE (sqlite3ext.h
     then declares the plain sqlite3_* API and its INIT macros do nothing),
     includes sqlite3.h, and defines `sqlite3_api` as a one-member table for
     the one place the SQL layer reads it (ext/registry.c asks whether
     sqlite3_column_origin_name exists): that function when the compiler is
     given SQLITE_ENABLE_COLUMN_METADATA, else none.
  3. Names that are private to a file when each .c is compiled alone become
     shared in one translation unit.  For every source file the script lists
     its file-scope private names (static functions and variables, typedefs,
     struct/union/enum tags and enumerators declared in the .c file itself;
     a tag that completes a type declared in a header the file includes, or
     a typedef that repeats one of those headers', is not private) and its
     #defines.  Two ways were possible: wrap each file's statics in
     `#define name name__file` ... `#undef name`, or rename tokens in the
     generated text.  The macro way also renames `s->name` when a header's
     struct has a member of that spelling, and a header inlined inside the
     file; so names are renamed on tokens, and only macros are #undef'd:
     a. Macros: every macro a .c file defines is #undef'd right after that
        file, so it cannot leak into the next one (except those of 2, which
        ext/info.c defines only #ifndef).  A .c macro that a header also
        defines, or a .c #undef of a macro it does not define, is an error
        (exit 1): the #undef would remove the header's macro for later files.
     b. Clashes: a private name of one file that is also a private name of
        another file, a file-scope name of a project header, or a non-static
        function/variable defined in another file is renamed in the text of
        each file that has it privately: every identifier token of that name
        in the file's own code and macro bodies becomes `<name>__<file>`
        (<file> = the path below ext/ or ext/core/ with / as _ and no .c,
        e.g. cmp_double__stats_st_rank), except a token right after `.` or
        `->` (a member of some struct) and text in comments and strings.
        Inside the owning file a local variable or parameter spelt the same
        is renamed with it, which keeps the file consistent; headers and
        other files keep their spelling.
     c. The clashes found are listed in omen.c's opening comment and, with
        --report, on stdout; a private name that is also a macro of a project
        header is an error (exit 1): renaming could not reach the macro.
     d. Not seen: declarations that a macro expands to, and names declared
        by system headers that a file does not include itself.  A clash among those is a compiler
        error or warning (redefinition, "static declaration follows
        non-static"); tests/static_embed_test.sh compiles omen.c with
        -Wall -Wextra -Wshadow and fails on any diagnostic.  When this was
        written: 142 files, 21 renamed names (19 static functions in 2 to 5
        files each, 2 typedefs), 206 distinct .c macros #undef'd, 5 of
        which are defined differently by two files.
  4. Each file's text is copied unchanged but for 1, 3b and 6; banners
     `Begin file <path>` / `End of <path>` mark where each starts and ends,
     and `#line` directives keep compiler messages pointing at the original
     file and line.
  5. The output is deterministic: the same sources and VERSION give
     byte-identical omen.c and omen.h.  Exit status 0, or 1 with a message
     naming the file and the problem (missing header, unbalanced braces,
     unhandled clash).
  6. Internal linkage: every function and variable that a source file
     defines without `static`, but the entry points (sqlite3_<name>_init
     defined in ext/omen.c), gets internal linkage, as SQLITE_PRIVATE does in
     SQLite's amalgamation: each file-scope declaration of it, in the sources
     and in the headers, starts with OMEN_PRIVATE (`static`, with
     __attribute__((unused)) for GCC and clang, since some are used only by
     omen's unit tests), which replaces `extern` where there is one.  A
     program that links omen.c statically so sees no name of omen's but
     sqlite3_omen_init, and a loadable build exports only that, even without
     -fvisibility=hidden (SQLite loads extensions RTLD_GLOBAL).  The
     loadable build's sqlite3_api becomes a static variable of the prologue
     (SQLITE_EXTENSION_INIT1 and INIT3 are redefined as nothing).  A single
     declaration naming both such a name and another is an error (exit 1).
     Not seen, so left global: definitions a macro expands to (none today;
     ext/series_views.c writes its modules out for this reason).
"""

import argparse
import glob
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

TOKEN_RE = re.compile(
    r"""
    (?P<nl>\n)
  | (?P<ws>(?:[ \t\r\f\v]|\\\r?\n)+)
  | (?P<comment>/\*.*?\*/|//(?:[^\n\\]|\\.)*)
  | (?P<str>(?:[LuU]|u8)?"(?:[^"\\\n]|\\.)*"|(?:[LuU]|u8)?'(?:[^'\\\n]|\\.)*')
  | (?P<id>[A-Za-z_]\w*)
  | (?P<num>\.?[0-9](?:[eEpP][+-]|[\w.])*)
  | (?P<punct>\.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||\#\#|[-+*/%&|^!=<>]=|.)
    """,
    re.S | re.X,
)

C_KEYWORDS = set(
    """auto break case char const continue default do double else enum extern float for goto if inline
    int long register restrict return short signed sizeof static struct switch typedef union unsigned
    void volatile while _Alignas _Alignof _Atomic _Bool _Complex _Generic _Imaginary _Noreturn
    _Static_assert _Thread_local static_assert __attribute__ __declspec __inline __inline__ __restrict
    __restrict__ __extension__ __typeof__ typeof asm __asm__""".split()
)
# Macros omen.c defines before the first source (omen.h and SETUP below): a
# source file may define them only under #ifndef (ext/info.c does), and they
# are not #undef'd after it.
PROLOGUE_MACROS = {"OMEN_H", "OMEN_VERSION", "OMEN_VERSION_NUMBER", "OMEN_CFLAGS", "_GNU_SOURCE", "SQLITE_CORE",
                   "OMEN_STATIC", "sqlite3_api"}
# Macro statements that stand at file scope without a semicolon.
STATEMENT_MACROS = {"SQLITE_EXTENSION_INIT1", "SQLITE_EXTENSION_INIT3"}
# The names that keep external linkage (behaviour 6): entry points defined in
# ext/omen.c.
PUBLIC_RE = re.compile(r"^sqlite3_\w+_init$")


class Fail(Exception):
    pass


def rel(path):
    return os.path.relpath(path, REPO)


def tokenize(text, path):
    """Tokens (kind, text, start) of C source; every character is covered."""
    out = []
    pos = 0
    n = len(text)
    while pos < n:
        m = TOKEN_RE.match(text, pos)
        if not m:
            raise Fail("%s: cannot tokenize at offset %d" % (rel(path), pos))
        out.append((m.lastgroup, m.group(), pos))
        pos = m.end()
    return out


class Source:
    """One file: its tokens split into directives and code."""

    def __init__(self, path):
        self.path = path
        with open(path, encoding="utf-8") as f:
            self.text = f.read()
        self.tokens = tokenize(self.text, path)
        self.directives = []  # (first token index, last token index + 1, [significant tokens])
        self.code = []  # indices of significant code tokens (not in directives)
        self.in_directive = set()
        i = 0
        at_line_start = True
        toks = self.tokens
        while i < len(toks):
            kind, text, _ = toks[i]
            if kind == "nl":
                at_line_start = True
                i += 1
                continue
            if kind in ("ws", "comment"):
                i += 1
                continue
            if at_line_start and text == "#":
                j = i
                sig = []
                while j < len(toks) and toks[j][0] != "nl":
                    if toks[j][0] not in ("ws", "comment"):
                        sig.append(j)
                    j += 1
                self.directives.append((i, j, sig))
                self.in_directive.update(range(i, j))
                i = j
                continue
            at_line_start = False
            self.code.append(i)
            i += 1

    def directive_words(self, sig):
        return [self.tokens[k][1] for k in sig]

    def includes(self):
        """(first, end, quoted?, name) for each #include."""
        out = []
        for first, end, sig in self.directives:
            words = self.directive_words(sig)
            if len(words) >= 2 and words[1] == "include":
                if len(words) >= 3 and self.tokens[sig[2]][0] == "str":
                    out.append((first, end, True, words[2][1:-1]))
                else:
                    out.append((first, end, False, "".join(words[2:])))
        return out

    def macros(self):
        """Names this file #defines, and names it #undefs."""
        defined, undefined = [], []
        for _, _, sig in self.directives:
            words = self.directive_words(sig)
            if len(words) >= 3 and words[1] == "define":
                defined.append(words[2])
            elif len(words) >= 3 and words[1] == "undef":
                undefined.append(words[2])
        return defined, undefined


# --------------------------------------------------------------- declarations --


def strip_attributes(toks):
    """Drop __attribute__((...)) and __declspec(...) groups."""
    out = []
    i = 0
    while i < len(toks):
        if toks[i] in ("__attribute__", "__declspec") and i + 1 < len(toks) and toks[i + 1] == "(":
            depth = 0
            i += 1
            while i < len(toks):
                if toks[i] == "(":
                    depth += 1
                elif toks[i] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            i += 1
            continue
        out.append(toks[i])
        i += 1
    return out


def is_ident(t):
    return bool(re.match(r"^[A-Za-z_]\w*$", t)) and t not in C_KEYWORDS


def declarator_name(part):
    """The name a declarator declares (part: tokens, initializer removed)."""
    part = [t for t in part if not isinstance(t, list)]
    depth = 0
    for i, t in enumerate(part):
        if t == "(" and depth == 0:
            j = i + 1
            if j < len(part) and part[j] == "*":
                while j < len(part) and part[j] in ("*", "const", "volatile", "restrict"):
                    j += 1
                if j < len(part) and is_ident(part[j]):
                    return part[j]
            k = i - 1
            if k >= 0 and is_ident(part[k]):
                return part[k]
            return None
        if t == "[" and depth == 0:
            k = i - 1
            return part[k] if k >= 0 and is_ident(part[k]) else None
        if t in ("(", "["):
            depth += 1
        elif t in (")", "]"):
            depth -= 1
    idents = [t for t in part if is_ident(t)]
    return idents[-1] if idents else None


def split_top(items, sep):
    parts, cur, depth = [], [], 0
    for t in items:
        if isinstance(t, list):
            cur.append(t)
            continue
        if t in ("(", "["):
            depth += 1
        elif t in (")", "]"):
            depth -= 1
        if t == sep and depth == 0:
            parts.append(cur)
            cur = []
        else:
            cur.append(t)
    parts.append(cur)
    return parts


def tags_and_enumerators(items, names):
    """Record struct/union/enum tags defined in items (recursing into member
    lists), and the constants of every enum body."""
    for i, t in enumerate(items):
        if isinstance(t, list):
            continue
        if t in ("struct", "union", "enum"):
            j = i + 1
            tag = None
            if j < len(items) and not isinstance(items[j], list) and is_ident(items[j]):
                tag = items[j]
                j += 1
            if j < len(items) and isinstance(items[j], list):
                if tag:
                    names.append(("tag", tag))
                body = items[j]
                if t == "enum":
                    for part in split_top(body, ","):
                        flat = [x for x in part if not isinstance(x, list)]
                        if flat and is_ident(flat[0]):
                            names.append(("enumerator", flat[0]))
                else:
                    tags_and_enumerators(body, names)


def group(tokens, path):
    """Nest {...} blocks as lists."""
    stack = [[]]
    for t in tokens:
        if t == "{":
            stack.append([])
        elif t == "}":
            if len(stack) == 1:
                raise Fail("%s: unbalanced '}'" % rel(path))
            inner = stack.pop()
            stack[-1].append(inner)
        else:
            stack[-1].append(t)
    if len(stack) != 1:
        raise Fail("%s: unbalanced '{'" % rel(path))
    return stack[0]


def statement_names(stmt):
    """[(storage, kind, name)] declared by one file-scope statement (items of
    group(): tokens, and lists for {...} blocks)."""
    out = []
    stmt = [t for t in stmt if isinstance(t, list) or t not in STATEMENT_MACROS]
    if not stmt:
        return out
    extra = []
    tags_and_enumerators(stmt, extra)
    for kind, name in extra:
        out.append(("tag-or-enum", kind, name))
    head = [t for t in stmt if not isinstance(t, list)]
    if head and head[0] in ("_Static_assert", "static_assert"):
        return out
    if "typedef" in head:
        storage = "typedef"
    elif "static" in head:
        storage = "static"
    elif "extern" in head:
        storage = "extern"
    else:
        storage = "global"
    # Declarators: struct/union/enum bodies and initializers dropped.
    for part in split_top(stmt, ","):
        flat = []
        for t in part:
            if isinstance(t, list):
                continue
            if t == "=":
                break
            flat.append(t)
        # a bare "struct x;" or "struct x { ... };" declares no object
        if not flat or (len(flat) <= 2 and flat[0] in ("struct", "union", "enum")):
            continue
        if flat[-1] in ("struct", "union", "enum"):
            continue
        name = declarator_name(flat)
        if name and not (len(flat) >= 2 and flat[-2] in ("struct", "union", "enum") and flat[-1] == name):
            out.append((storage, "typedef" if storage == "typedef" else "object", name))
    return out


class Tok(str):
    """A token's text that remembers its index in Source.tokens."""

    def __new__(cls, text, pos):
        t = str.__new__(cls, text)
        t.pos = pos
        return t


def file_scope_statements(src):
    """src's file-scope statements, each as its items (group(): Tok tokens,
    and lists for {...} blocks; attributes dropped), a function definition
    without its body."""
    toks = strip_attributes([Tok(src.tokens[i][1], i) for i in src.code])
    items = group(toks, src.path)
    out = []
    stmt = []
    i = 0
    while i < len(items):
        t = items[i]
        stmt.append(t)
        if t == ";":
            stmt.pop()
            out.append(stmt)
            stmt = []
        elif isinstance(t, list):
            # A function body ends the statement: `... ) { ... }`.
            prev = [x for x in stmt[:-1] if not isinstance(x, list)]
            if prev and prev[-1] == ")" and "=" not in prev:
                out.append(stmt[:-1])
                stmt = []
        i += 1
    if [t for t in stmt if isinstance(t, list) or t not in STATEMENT_MACROS]:
        raise Fail("%s: file ends inside a declaration: %s" % (rel(src.path), " ".join(map(str, stmt[:8]))))
    return out


def file_scope_names(src):
    """[(storage, kind, name)] of src's file-scope declarations.
    storage: 'static', 'typedef', 'extern' (declared elsewhere) or 'global'
    (defined here, not static); kind: 'object' (function or variable),
    'typedef', 'tag', 'enumerator'."""
    out = []
    for stmt in file_scope_statements(src):
        out.extend(statement_names(stmt))
    return out


# ------------------------------------------------------------------- sources --


def default_sources():
    dirs = sorted(d for d in glob.glob(os.path.join(REPO, "ext", "core", "*")) if os.path.isdir(d))
    dirs.sort(key=lambda d: (os.path.basename(d) != "base", d))
    files = []
    for d in dirs:
        files += sorted(glob.glob(os.path.join(d, "*.c")))
    ext = sorted(glob.glob(os.path.join(REPO, "ext", "*.c")))
    entry = [f for f in ext if os.path.basename(f) == "omen.c"]
    return files + [f for f in ext if f not in entry] + entry


def source_rank(path):
    """0 core/base, 1 other core families, 2 the SQL layer, 3 ext/omen.c."""
    r = os.path.relpath(path, os.path.join(REPO, "ext")).split(os.sep)
    if r[0] == "core":
        return 0 if len(r) > 1 and r[1] == "base" else 1
    return 3 if r == ["omen.c"] else 2


def file_tag(path):
    r = os.path.relpath(path, os.path.join(REPO, "ext"))
    r = r[:-2] if r.endswith(".c") else r
    parts = r.split(os.sep)
    if parts[0] == "core":
        parts = parts[1:]
    return "_".join(parts)


class Amalgamation:
    def __init__(self, sources):
        self.sources = [os.path.abspath(s) for s in sources]
        self.parsed = {}

    def get(self, path):
        if path not in self.parsed:
            self.parsed[path] = Source(path)
        return self.parsed[path]

    def resolve(self, src, name):
        p = os.path.normpath(os.path.join(os.path.dirname(src.path), name))
        if not os.path.isfile(p):
            raise Fail("%s: #include \"%s\": no such file next to it" % (rel(src.path), name))
        return p

    def header_closure(self, path, seen=None):
        """Every project header path reaches, transitively."""
        seen = set() if seen is None else seen
        src = self.get(path)
        for _, _, quoted, name in src.includes():
            if quoted:
                h = self.resolve(src, name)
                if h not in seen:
                    seen.add(h)
                    self.header_closure(h, seen)
        return seen

    def analyse(self):
        """Private names per source, the clashes, and the macros to #undef."""
        headers = set()
        closure = {}
        for c in self.sources:
            closure[c] = self.header_closure(c)
            headers |= closure[c]
        header_names = {}  # name -> set(header paths) (any file-scope name)
        header_macros = {}  # name -> set(header paths)
        header_tag_mentions = {}  # tag -> headers mentioning `struct tag`
        for h in sorted(headers):
            src = self.get(h)
            for _, _, name in file_scope_names(src):
                header_names.setdefault(name, set()).add(h)
            for name in src.macros()[0]:
                header_macros.setdefault(name, set()).add(h)
            code = [src.tokens[i][1] for i in src.code]
            for k in range(len(code) - 1):
                if code[k] in ("struct", "union", "enum") and is_ident(code[k + 1]):
                    header_tag_mentions.setdefault(code[k + 1], set()).add(h)
        private = {}  # c -> {name: kind}
        globals_ = {}  # name -> set(c) defining it non-static
        self.c_macros = {}
        problems = []
        for c in self.sources:
            src = self.get(c)
            mine = {}
            for storage, kind, name in file_scope_names(src):
                if storage == "global":
                    globals_.setdefault(name, set()).add(c)
                elif storage == "extern":
                    pass
                elif storage == "tag-or-enum":
                    if kind == "tag" and header_tag_mentions.get(name, set()) & closure[c]:
                        continue  # completes a type its headers declare
                    mine[name] = kind
                else:
                    # a typedef repeating one of its headers' is the same type
                    if storage == "typedef" and header_names.get(name, set()) & closure[c]:
                        continue
                    mine[name] = "static " + kind if storage == "static" else kind
            private[c] = mine
            defined, undefined = src.macros()
            for name in undefined:
                if name not in defined:
                    problems.append("%s: #undef %s of a macro it does not define" % (rel(c), name))
            for name in sorted(set(defined)):
                if name in header_macros:
                    problems.append("%s: #define %s, also a macro of %s" %
                                    (rel(c), name, ", ".join(sorted(rel(h) for h in header_macros[name]))))
            self.c_macros[c] = sorted(set(defined) - PROLOGUE_MACROS)
        owners = {}
        for c in self.sources:
            for name in private[c]:
                owners.setdefault(name, []).append(c)
        self.renames = {c: {} for c in self.sources}
        self.clashes = []
        for name in sorted(owners):
            files = owners[name]
            others_global = globals_.get(name, set()) - set(files)
            in_headers = header_names.get(name, set())
            if name in header_macros:
                for c in files:
                    problems.append("%s: private name %s is also a macro of %s" %
                                    (rel(c), name, ", ".join(sorted(rel(h) for h in header_macros[name]))))
                continue
            if len(files) < 2 and not others_global and not in_headers:
                continue
            for c in files:
                self.renames[c][name] = "%s__%s" % (name, file_tag(c))
            why = []
            if len(files) > 1:
                why.append("private in %d files" % len(files))
            if others_global:
                why.append("defined in " + ", ".join(sorted(rel(g) for g in others_global)))
            if in_headers:
                why.append("declared in " + ", ".join(sorted(rel(h) for h in in_headers)))
            self.clashes.append((name, [rel(c) for c in files], "; ".join(why),
                                 [private[c][name] for c in files]))
        self.internal_linkage(headers, globals_, problems)
        if problems:
            raise Fail("unhandled name clashes:\n  " + "\n  ".join(problems))

    def internal_linkage(self, headers, globals_, problems):
        """Behaviour 6: OMEN_PRIVATE on every file-scope declaration of a
        function or variable that a source defines, but the entry points."""
        entry = {c for c in self.sources if source_rank(c) == 3}
        self.public = sorted(n for n, cs in globals_.items() if PUBLIC_RE.match(n) and cs & entry)
        internal = set(globals_) - set(self.public)
        self.linkage = {}
        self.n_private = 0
        for path in list(self.sources) + sorted(headers):
            edits = {}
            for stmt in file_scope_statements(self.get(path)):
                objs = [(st, n) for st, kind, n in statement_names(stmt)
                        if kind == "object" and st in ("global", "extern")]
                hit = [n for _, n in objs if n in internal]
                if not hit:
                    continue
                if len(hit) != len(objs):
                    problems.append("%s: one declaration of %s mixes private and other names" %
                                    (rel(path), ", ".join(n for _, n in objs)))
                    continue
                head = [t for t in stmt if not isinstance(t, list) and t not in STATEMENT_MACROS]
                ext = [t for t in head if t == "extern"]
                if ext:
                    edits[ext[0].pos] = "OMEN_PRIVATE"
                else:
                    edits[head[0].pos] = "OMEN_PRIVATE " + head[0]
                self.n_private += 1
            self.linkage[path] = edits
        self.internal = internal

    # ---------------------------------------------------------------- output --

    def emit_file(self, path, out, done, renames):
        src = self.get(path)
        toks = src.tokens
        includes = {first: (end, quoted, name) for first, end, quoted, name in src.includes()}
        linkage = self.linkage.get(path, {})
        r = rel(path)
        out.append("/************** Begin file %s **************/\n" % r)
        out.append('#line 1 "%s"\n' % r)
        i = 0
        line = 1
        prev_sig = None
        while i < len(toks):
            kind, text, _ = toks[i]
            if i in includes:
                end, quoted, name = includes[i]
                if quoted:
                    h = self.resolve(src, name)
                    directive = "#include \"%s\"" % name.replace("*/", "* /")
                    if h in done:
                        out.append("/* %s: already inlined */" % directive)
                    else:
                        done.add(h)
                        out.append("/* %s */\n" % directive)
                        self.emit_file(h, out, done, {})
                        # continue after the directive and its newline
                        line += sum(t[1].count("\n") for t in toks[i:end])
                        i = end
                        if i < len(toks) and toks[i][0] == "nl":
                            i += 1
                            line += 1
                        out.append('#line %d "%s"\n' % (line, r))
                        continue
                    line += sum(t[1].count("\n") for t in toks[i:end])
                    i = end
                    continue
            if kind == "nl":
                line += 1
            elif kind == "ws":
                line += text.count("\n")
            elif kind == "comment":
                line += text.count("\n")
            if kind == "id" and text in renames and prev_sig not in (".", "->"):
                text = renames[text]
            if i in linkage:
                text = linkage[i].replace(toks[i][1], text) if linkage[i] != "OMEN_PRIVATE" else linkage[i]
            if kind not in ("ws", "nl", "comment"):
                prev_sig = text
            out.append(text)
            i += 1
        if not self.parsed[path].text.endswith("\n"):
            out.append("\n")
        if path in self.c_macros and self.c_macros[path]:
            out.append("/* the macros of %s end with it */\n" % r)
            for name in self.c_macros[path]:
                out.append("#undef %s\n" % name)
        out.append("/************** End of %s **************/\n" % r)

    def write(self, outdir, version):
        m = re.match(r"^(\d+)\.(\d+)\.(\d+)$", version)
        if not m:
            raise Fail("VERSION: %r is not x.y.z" % version)
        number = int(m.group(1)) * 1000000 + int(m.group(2)) * 1000 + int(m.group(3))
        header = OMEN_H.replace("@VERSION@", version).replace("@NUMBER@", str(number))
        out = []
        nclash = len(self.clashes)
        lines = ["**   %-28s %s (%s)" % (name, ", ".join(files), why) for name, files, why, _ in self.clashes]
        out.append(PROLOGUE.replace("@VERSION@", version)
                   .replace("@NFILES@", str(len(self.sources)))
                   .replace("@NCLASH@", str(nclash))
                   .replace("@CLASHES@", "\n".join(lines) if lines else "**   (none)"))
        out.append("/************** Begin omen.h **************/\n")
        out.append(header)
        out.append("/************** End of omen.h **************/\n")
        out.append(SETUP)
        done = set()
        for c in self.sources:
            self.emit_file(c, out, done, self.renames[c])
        text = "".join(out)
        os.makedirs(outdir, exist_ok=True)
        for name, data in (("omen.h", header), ("omen.c", text)):
            p = os.path.join(outdir, name)
            tmp = p + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(data)
            os.replace(tmp, p)


OMEN_H = """\
/*
** omen.h — the public header of omen @VERSION@, generated from VERSION by
** tools/amalgamate.py.  Do not edit.
**
** Static embedding (docs/EMBED.md): compile the amalgamation omen.c with
** -DOMEN_STATIC into a program that links SQLite, then, before opening any
** connection:
**
**     sqlite3_auto_extension((void (*)(void))sqlite3_omen_init);
**
** and every connection opened afterwards has omen's functions.  Calling
** sqlite3_omen_init(db, &zErr, 0) registers them on one connection instead.
** Both are harmless when repeated.
*/
#ifndef OMEN_H
#define OMEN_H

#define OMEN_VERSION "@VERSION@"
#define OMEN_VERSION_NUMBER @NUMBER@ /* major*1000000 + minor*1000 + patch */

#ifdef __cplusplus
extern "C" {
#endif

struct sqlite3;
struct sqlite3_api_routines;

/* The entry point of the loadable extension, and the registration function of
** a static build: registers every omen function and table-valued function on
** db.  Returns SQLITE_OK, or an error code with a message in *pzErrMsg (free
** it with sqlite3_free), e.g. when the SQLite library is older than omen
** needs.  pApi: the loader's routines; 0 in a static build. */
int sqlite3_omen_init(struct sqlite3 *db, char **pzErrMsg, const struct sqlite3_api_routines *pApi);

#ifdef __cplusplus
}
#endif

#endif /* OMEN_H */
"""

PROLOGUE = """\
/*
** omen.c — the amalgamation of omen @VERSION@: @NFILES@ source files and their
** headers in one translation unit, generated by tools/amalgamate.py.  Do not
** edit; change the sources and run `make amalgamation`.
**
**   cc -O2 -c omen.c                 loadable extension (sqlite3ext.h)
**   cc -O2 -c -DOMEN_STATIC omen.c   static: link into a program with SQLite
**   libraries: -llapacke -llapack -lxxhash -lm -lpthread
**
** File-private names that clash in one translation unit, renamed in the
** files that own them to <name>__<file> (@NCLASH@):
@CLASHES@
*/
"""

SETUP = """\
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#if defined(OMEN_STATIC) && !defined(SQLITE_CORE)
#define SQLITE_CORE 1
#endif
/* Every function and variable of omen but its entry point has internal
** linkage here (as SQLITE_PRIVATE in SQLite's amalgamation): the program omen
** is linked into sees none of their names.  Some are used only by omen's unit
** tests, hence `unused`. */
#if defined(__GNUC__) || defined(__clang__)
#define OMEN_PRIVATE static __attribute__((unused))
#else
#define OMEN_PRIVATE static
#endif
#ifndef SQLITE_CORE
/* A loadable build: the routines table SQLite hands to the entry point is a
** private variable of this file too (each source file compiled alone declares
** it with SQLITE_EXTENSION_INIT3, and ext/omen.c defines it with
** SQLITE_EXTENSION_INIT1). */
#include <sqlite3ext.h>
static const sqlite3_api_routines *sqlite3_api;
#undef SQLITE_EXTENSION_INIT1
#define SQLITE_EXTENSION_INIT1
#undef SQLITE_EXTENSION_INIT3
#define SQLITE_EXTENSION_INIT3
#endif
#ifndef OMEN_CFLAGS
#ifdef SQLITE_CORE
#define OMEN_CFLAGS "amalgamation, static (SQLITE_CORE)"
#else
#define OMEN_CFLAGS "amalgamation, loadable"
#endif
#endif
#ifdef SQLITE_CORE
#include <sqlite3.h>
/* A static build has no sqlite3_api; ext/registry.c asks it only whether this
** SQLite has sqlite3_column_origin_name (SQLITE_ENABLE_COLUMN_METADATA, which
** a SQLite built from its own amalgamation lacks by default and Debian's
** libsqlite3 has).  Define SQLITE_ENABLE_COLUMN_METADATA when compiling omen.c
** against a SQLite that has it: registry reads then take the direct path
** (sqlite3_blob_open); without it they take the general one, same results. */
typedef struct omen_core_api {
  const char *(*column_origin_name)(sqlite3_stmt *, int);
} omen_core_api;
static const omen_core_api omen_core_api_routines = {
#ifdef SQLITE_ENABLE_COLUMN_METADATA
    sqlite3_column_origin_name,
#else
    0,
#endif
};
#define sqlite3_api (&omen_core_api_routines)
#endif
"""


def main(argv):
    ap = argparse.ArgumentParser(description="Write omen.c and omen.h, the amalgamation.")
    ap.add_argument("--out", default=os.path.join(REPO, "build", "amalgamation"))
    ap.add_argument("--report", action="store_true", help="list the private names that clash")
    ap.add_argument("sources", nargs="*")
    args = ap.parse_args(argv)
    sources = [os.path.abspath(os.path.join(REPO, s)) for s in args.sources] or default_sources()
    sources = sorted(sources, key=source_rank)  # stable: the given order within each rank
    try:
        with open(os.path.join(REPO, "VERSION"), encoding="utf-8") as f:
            version = f.read().strip()
        am = Amalgamation(sources)
        am.analyse()
        am.write(args.out, version)
    except (Fail, OSError) as e:
        print("amalgamate: %s" % e, file=sys.stderr)
        return 1
    if args.report:
        for name, files, why, kinds in am.clashes:
            print("%-30s %-18s %s  (%s)" % (name, "/".join(sorted(set(kinds))), " ".join(files), why))
    print("amalgamate: %d files, %d renamed clashes -> %s" %
          (len(am.sources), len(am.clashes), rel(os.path.join(args.out, "omen.c"))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
