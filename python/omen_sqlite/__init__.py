"""omen_sqlite — the omen SQLite extension, packaged for Python (docs/PYTHON.md).

    import sqlite3, omen_sqlite
    db = sqlite3.connect("runs.db")
    omen_sqlite.load(db)
    db.execute("SELECT omen_version()").fetchone()

Behaviours:
  1. loadable_path() is the absolute path of the bundled module, WITH its
     suffix (.../omen_sqlite/omen.so): a file that exists, so it can be
     checked with os.path.isfile and given as it is to any loader
     (sqlite3, apsw, the sqlite3 shell's .load, sqlite-utils
     --load-extension).  SQLite accepts it with or without the suffix and
     derives the entry point, sqlite3_omen_init, from the name "omen" either
     way.
  2. load(conn) loads omen into conn, a sqlite3.Connection (or anything with
     the same load_extension/enable_load_extension methods: pysqlite3,
     apsw), and returns None.  Extension loading is switched on only around
     the one load_extension() call:
       - Python 3.12 and later (Connection.getconfig/setconfig): only the C
         API switch, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, is turned on, and
         afterwards restored to what it was;
       - before 3.12 there is no way to read the switch, so it is turned on
         with enable_load_extension(True) (which also enables the SQL
         function load_extension(), for the duration of the call) and turned
         off afterwards, the state every connection starts in: a caller that
         had enabled loading must enable it again.
     Either way the SQL function load_extension() is off when load() returns.
  3. A connection that cannot load extensions (a Python built without
     --enable-loadable-sqlite-extensions, as python.org's macOS builds and
     pyenv's defaults are: no enable_load_extension method) raises
     ExtensionLoadingUnavailable, a RuntimeError, saying so; nothing changes.
  4. When the module is found but a shared library it needs is not (the
     system's LAPACKE or xxHash, e.g. liblapacke.so.3), the sqlite3 error is
     re-raised as the same type with the apt-get line to run appended.
  5. Loading twice into one connection is harmless: the second load registers
     the same functions again (the extension's own behaviour).
  6. __version__ is the repository's VERSION the wheel was built from, the
     string omen_version() returns.
"""

import os
import sqlite3

__all__ = ["load", "loadable_path", "ExtensionLoadingUnavailable", "__version__"]

try:
    from ._version import __version__
except ImportError:  # imported from a source checkout, not an installed wheel
    try:
        with open(os.path.join(os.path.dirname(__file__), "..", "..", "VERSION"), encoding="utf-8") as _f:
            __version__ = _f.read().strip()
    except OSError:
        __version__ = "0+unknown"

SYSTEM_LIBRARIES = "apt-get install liblapacke libxxhash0"


class ExtensionLoadingUnavailable(RuntimeError):
    """This Python's sqlite3 (or this connection type) cannot load SQLite extensions."""


def loadable_path():
    """The absolute path of the bundled omen.so (behaviour 1)."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "omen.so")


def _load_extension(conn, path):
    try:
        conn.load_extension(path)
    except sqlite3.OperationalError as e:
        msg = str(e)
        if "cannot open shared object file" in msg and not msg.startswith(path):
            raise sqlite3.OperationalError(
                "%s (omen needs the system's LAPACKE and xxHash libraries; on Debian or Ubuntu: %s)"
                % (msg, SYSTEM_LIBRARIES)) from e
        raise


def load(conn):
    """Load omen into the connection conn (behaviours 2-5)."""
    path = loadable_path()
    if not hasattr(conn, "load_extension") or not hasattr(conn, "enable_load_extension"):
        raise ExtensionLoadingUnavailable(
            "omen_sqlite.load(): this Python's sqlite3 cannot load extensions (%s has no "
            "enable_load_extension; Python was built without --enable-loadable-sqlite-extensions). "
            "Use a Python built with it (Debian's python3 is), or pysqlite3" % type(conn).__name__)
    flag = getattr(sqlite3, "SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION", None)
    getconfig = getattr(conn, "getconfig", None)
    setconfig = getattr(conn, "setconfig", None)
    if flag is not None and getconfig is not None and setconfig is not None:
        previous = bool(getconfig(flag))
        setconfig(flag, True)
        try:
            _load_extension(conn, path)
        finally:
            setconfig(flag, previous)
    else:
        conn.enable_load_extension(True)
        try:
            _load_extension(conn, path)
        finally:
            conn.enable_load_extension(False)
