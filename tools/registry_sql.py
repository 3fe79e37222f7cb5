#!/usr/bin/python3
"""registry_sql.py — rewrite sql/registry.sql from the schema ext/aliases.c
creates (registry_schema), so the file never drifts from the code;
tests/registry_schema_test.py checks that they agree.

    /usr/bin/python3 tools/registry_sql.py        # rewrites sql/registry.sql

Compiles a tiny C program that includes the schema string's definition
(the macros and the string, cut out of ext/aliases.c) and prints it.
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADER = """-- The omen model registry: ordinary tables and views any SQLite client (ODBC
-- included) can read.  omen creates them on its first write (model_save,
-- model_alias, model_rollback, model_tag, predict_log), upgrading a registry
-- made before aliases in place; this file is the same definition, for tools
-- that want the schema up front (written by tools/registry_sql.py from
-- ext/aliases.c; tests/registry_schema_test.py checks they agree).
-- docs/registry.md explains every table, view and trigger.
--
--   omen_models        one row per saved version (stage follows the aliases)
--   omen_aliases       the version each (name, alias) points at
--   omen_model_events  every save and alias move, in order
--   omen_model_tags    free-form key/value per version
--   omen_predictions   the prediction log (predict_log)
--   omen_registry      view: one row per name and alias (alias NULL: what
--                      the bare name means), for BI tools
--   omen_alias_history view: one row per interval an alias pointed at a version
--
-- Move an alias:  SELECT model_alias('runtime', 'production', 3);
-- Undo the move:  SELECT model_rollback('runtime');
"""


def main():
    src = open(os.path.join(ROOT, "ext", "aliases.c")).read()
    start = src.index("#define STAGE_OF")
    end = src.index("/* Behaviour 3, after registry_schema")
    code = src[start:end] + "\n#include <stdio.h>\nint main(void) { fputs(registry_schema, stdout); return 0; }\n"
    with tempfile.TemporaryDirectory() as d:
        c, exe = os.path.join(d, "s.c"), os.path.join(d, "s")
        open(c, "w").write(code)
        subprocess.run([os.environ.get("CC", "cc"), "-o", exe, c], check=True)
        schema = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    with open(os.path.join(ROOT, "sql", "registry.sql"), "w") as f:
        f.write(HEADER + schema)
    return 0


if __name__ == "__main__":
    sys.exit(main())
