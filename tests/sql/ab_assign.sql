-- ab_assign() and ab_bucket(): NULLs, the unit's bytes, layout, shares,
-- ramp-up, caching and errors (ext/ab_assign.c, ext/core/stats/st_assign.h).
-- Reference values from python3-xxhash are in ab_assign_ref.sql.
CREATE TABLE units(u INTEGER PRIMARY KEY);
INSERT INTO units WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) SELECT i FROM n;
CREATE TABLE users(name TEXT);
INSERT INTO users SELECT 'user-' || u FROM units WHERE u <= 10000;

-- NULL unit -> NULL (ab_assign.c behaviour 1), every arity.
-- case: ab.null.1
SELECT ab_assign(NULL, 'e') IS NULL AND ab_assign(NULL, 'e', '{"A": 1}') IS NULL
   AND ab_assign(NULL, 'e', '{"A": 1}', 's') IS NULL
   AND ab_bucket(NULL, 'e') IS NULL AND ab_bucket(NULL, 'e', 's') IS NULL;

-- The arguments are still checked when the unit is NULL (behaviour 5).
-- case: ab.null.2
-- error: ab_assign(): experiment (argument 2) is NULL; expected TEXT (the experiment's name)
SELECT ab_assign(NULL, NULL);

-- case: ab.null.3
-- error: ab_assign(): weights (argument 3): the sum is 0.5; expected 1 (within 1e-9)
SELECT ab_assign(NULL, 'e', '{"A": 0.5}');

-- Positions lie in [0, 1) and are multiples of 2^-53.
-- case: ab.bucket.range
SELECT min(b) >= 0 AND max(b) < 1 AND sum(b * 9007199254740992.0 <> CAST(b * 9007199254740992.0 AS INTEGER)) = 0
  FROM (SELECT ab_bucket(u, 'range') AS b FROM units);

-- Uniform: mean 1/2 and each tenth near 10% (100,000 units; binomial sd of a
-- tenth's count is 95, of the mean 0.00091; bounds at ~5 sd).
-- case: ab.bucket.uniform
SELECT abs(avg(b) - 0.5) < 0.0046
   AND (SELECT max(abs(c - 10000)) FROM (SELECT count(*) AS c FROM units GROUP BY CAST(ab_bucket(u, 'range') * 10 AS INTEGER))) < 475
  FROM (SELECT ab_bucket(u, 'range') AS b FROM units);

-- The unit's bytes are hash_uniform's: 3 and 3.0 agree, '3' differs, TEXT and
-- BLOB of the same bytes agree.
-- case: ab.bytes.1
SELECT ab_bucket(3, 'e') = ab_bucket(3.0, 'e') AND ab_bucket('3', 'e') <> ab_bucket(3, 'e')
   AND ab_bucket('abc', 'e') = ab_bucket(x'616263', 'e') AND ab_bucket(-0.0, 'e') = ab_bucket(0, 'e')
   AND ab_bucket(0.5, 'e') <> ab_bucket(0, 'e');

-- Empty experiment, salt and unit are allowed.
-- case: ab.bytes.2
SELECT ab_bucket('', '', '') >= 0 AND ab_bucket(x'', '') = ab_bucket('', '');

-- The salt defaults to ''.
-- case: ab.salt.default
SELECT sum(ab_bucket(u, 'e') = ab_bucket(u, 'e', '')) = 10000
   AND sum(ab_assign(u, 'e', '{"A": 0.3, "B": 0.7}') = ab_assign(u, 'e', '{"A": 0.3, "B": 0.7}', '')) = 10000
  FROM units WHERE u <= 10000;

-- Another salt or experiment gives an independent assignment: about half the
-- units agree (sd 50 of 10,000).
-- case: ab.salt.independent
SELECT abs(sum(ab_assign(u, 'e') = ab_assign(u, 'e', '{"A": 0.5, "B": 0.5}', 'round-2')) - 5000) < 250
   AND abs(sum(ab_assign(u, 'e') = ab_assign(u, 'f')) - 5000) < 250
  FROM units WHERE u <= 10000;

-- The fields are length-prefixed: moving a byte from one to the next changes
-- the position.
-- case: ab.fields
SELECT ab_bucket('u', 'ab', 'c') <> ab_bucket('u', 'a', 'bc')
   AND ab_bucket('cu', 'ab', '') <> ab_bucket('u', 'ab', 'c')
   AND ab_bucket('bcu', 'a') <> ab_bucket('cu', 'ab');

-- The same unit always gets the same variant.
-- case: ab.stable
SELECT count(DISTINCT ab_assign('user-17', 'exp')) = 1 FROM units WHERE u <= 1000;

-- Without weights: 'A' iff the position is below 0.5.
-- case: ab.layout.default
SELECT sum(ab_assign(name, 'exp') = CASE WHEN ab_bucket(name, 'exp') < 0.5 THEN 'A' ELSE 'B' END) = 10000
   AND sum(ab_assign(name, 'exp') = ab_assign(name, 'exp', '{"A": 0.5, "B": 0.5}')) = 10000
  FROM users;

-- Variants in name order on [0, 1), whatever the JSON order (st_assign.h 4).
-- case: ab.layout.order
SELECT sum(ab_assign(name, 'x', '{"C": 0.5, "A": 0.2, "B": 0.3}')
           = CASE WHEN ab_bucket(name, 'x') < 0.2 THEN 'A' WHEN ab_bucket(name, 'x') < 0.5 THEN 'B' ELSE 'C' END) = 10000
   AND sum(ab_assign(name, 'x', '{"C": 0.5, "A": 0.2, "B": 0.3}') = ab_assign(name, 'x', '{"A": 0.2, "B": 0.3, "C": 0.5}')) = 10000
  FROM users;

-- Name order is bytewise on UTF-8: 'B' < 'a' < 'ab' < 'b' < 'é'.
-- case: ab.layout.bytewise
SELECT sum(ab_assign(name, 'x', '{"é": 0.2, "b": 0.2, "ab": 0.2, "a": 0.2, "B": 0.2}')
           = CASE WHEN ab_bucket(name, 'x') < 0.2 THEN 'B' WHEN ab_bucket(name, 'x') < 0.4 THEN 'a'
                  WHEN ab_bucket(name, 'x') < 0.6000000000000001 THEN 'ab' WHEN ab_bucket(name, 'x') < 0.8 THEN 'b' ELSE 'é' END) = 10000
  FROM users;

-- Zero weights: never picked.
-- case: ab.layout.zero
SELECT sum(ab_assign(u, 'z', '{"A": 1, "B": 0}') = 'A') = 10000
   AND sum(ab_assign(u, 'z', '{"A": 0, "B": 1}') = 'B') = 10000
   AND sum(ab_assign(u, 'z', '{"A": 0.5, "B": 0, "C": 0.5}') = 'B') = 0
   AND sum(ab_assign(u, 'z', '{"A": 0.0, "B": -0.0, "C": 1e0}') = 'C') = 10000
  FROM units WHERE u <= 10000;

-- One variant: everyone.
-- case: ab.layout.one
SELECT count(*) = 10000 FROM users WHERE ab_assign(name, 'x', '{"all": 1}') = 'all';

-- A sum within 1e-9 of 1 is accepted; thirds written to 10 digits are fine.
-- case: ab.layout.tolerance
SELECT ab_assign(1, 'x', '{"A": 0.3333333333, "B": 0.3333333333, "C": 0.3333333333}') IN ('A', 'B', 'C')
   AND ab_assign(1, 'x', '{"A": 0.5, "B": 0.5000000009}') IN ('A', 'B');

-- Names are returned as written (unescaped), any UTF-8.
-- case: ab.layout.names
SELECT ab_assign(1, 'x', '{"caf\u00e9 \"new\"": 1}') = 'café "new"'
   AND ab_assign(1, 'x', '{"日本": 1}') = '日本'
   AND typeof(ab_assign(1, 'x', '{"1": 1}')) = 'text';

-- Shares match the weights within a binomial tolerance: 100,000 units, sd of
-- a share p is sqrt(p(1-p)/n); bounds at 4.5 sd.
-- case: ab.shares.1
SELECT abs(avg(v = 'B') - 0.3) < 4.5 * sqrt(0.3 * 0.7 / 100000)
  FROM (SELECT ab_assign(u, 'shares', '{"A": 0.7, "B": 0.3}') AS v FROM units);

-- case: ab.shares.2
SELECT abs(avg(v = 'a') - 0.5) < 4.5 * sqrt(0.25 / 100000)
   AND abs(avg(v = 'b') - 0.25) < 4.5 * sqrt(0.1875 / 100000)
   AND abs(avg(v = 'c') - 0.2) < 4.5 * sqrt(0.16 / 100000)
   AND abs(avg(v = 'd') - 0.05) < 4.5 * sqrt(0.0475 / 100000)
  FROM (SELECT ab_assign(u, 'shares', '{"d": 0.05, "c": 0.2, "b": 0.25, "a": 0.5}') AS v FROM units);

-- case: ab.shares.default
SELECT abs(avg(ab_assign(u, 'shares') = 'A') - 0.5) < 4.5 * sqrt(0.25 / 100000) FROM units;

-- Ramp-up 10% -> 50% B: nobody moves B -> A; about 40% of all units move A -> B.
-- case: ab.ramp.1
SELECT sum(a = 'B' AND b = 'A') = 0
   AND abs(avg(a = 'A' AND b = 'B') - 0.4) < 4.5 * sqrt(0.24 / 100000)
   AND sum(a = 'B') < sum(b = 'B')
  FROM (SELECT ab_assign(u, 'ramp', '{"A": 0.9, "B": 0.1}') AS a,
               ab_assign(u, 'ramp', '{"A": 0.5, "B": 0.5}') AS b FROM units);

-- Ramp-down is the mirror: only B -> A.
-- case: ab.ramp.2
SELECT sum(a = 'A' AND b = 'B') = 0 AND sum(a = 'B' AND b = 'A') > 0
  FROM (SELECT ab_assign(u, 'ramp', '{"A": 0.5, "B": 0.5}') AS a,
               ab_assign(u, 'ramp', '{"A": 0.9, "B": 0.1}') AS b FROM units);

-- A ramp in steps 1% -> 5% -> 20% -> 50% -> 100%: each B set contains the one
-- before (no unit ever leaves B).
-- case: ab.ramp.3
SELECT sum(s1 = 'B' AND s2 = 'A') + sum(s2 = 'B' AND s3 = 'A') + sum(s3 = 'B' AND s4 = 'A') + sum(s4 = 'B' AND s5 = 'A') = 0
   AND sum(s1 = 'B') > 0 AND sum(s5 = 'B') = 100000
  FROM (SELECT ab_assign(u, 'steps', '{"A": 0.99, "B": 0.01}') AS s1,
               ab_assign(u, 'steps', '{"A": 0.95, "B": 0.05}') AS s2,
               ab_assign(u, 'steps', '{"A": 0.8, "B": 0.2}') AS s3,
               ab_assign(u, 'steps', '{"A": 0.5, "B": 0.5}') AS s4,
               ab_assign(u, 'steps', '{"B": 1, "A": 0}') AS s5 FROM units);

-- Whatever the names' order, the variant that grows only gains units (two
-- variants: one boundary): treatment (after control) and alpha (before zeta).
-- case: ab.ramp.4
SELECT sum(a = 'treatment' AND b = 'control') = 0 AND sum(a = 'control' AND b = 'treatment') > 0
   AND sum(c = 'alpha' AND d = 'zeta') = 0 AND sum(c = 'zeta' AND d = 'alpha') > 0
  FROM (SELECT ab_assign(u, 'r4', '{"treatment": 0.1, "control": 0.9}') AS a,
               ab_assign(u, 'r4', '{"treatment": 0.5, "control": 0.5}') AS b,
               ab_assign(u, 'r4', '{"zeta": 0.9, "alpha": 0.1}') AS c,
               ab_assign(u, 'r4', '{"zeta": 0.5, "alpha": 0.5}') AS d FROM units WHERE u <= 10000);

-- Three variants, weight moved from A (first) to C (last), B fixed at 10%:
-- all boundaries move down, so units only move to later names, but B's
-- interval moves from [0.8, 0.9) to [0.6, 0.7): B keeps its share and loses
-- its units to C (docs/ab_assign.md, "Ramping up").
-- case: ab.ramp.5
SELECT sum(a > b) = 0
   AND sum(a = 'B' AND b = 'C') = sum(a = 'B')
   AND abs(avg(b = 'B') - 0.1) < 4.5 * sqrt(0.09 / 100000)
  FROM (SELECT ab_assign(u, 'ramp', '{"A": 0.8, "B": 0.1, "C": 0.1}') AS a,
               ab_assign(u, 'ramp', '{"A": 0.6, "B": 0.1, "C": 0.3}') AS b FROM units);

-- Adjacent variants exchanging weight move only between themselves.
-- case: ab.ramp.6
SELECT sum(a <> b AND NOT (a = 'B' AND b = 'C')) = 0 AND sum(a <> b) > 0
  FROM (SELECT ab_assign(u, 'ramp', '{"A": 0.5, "B": 0.3, "C": 0.2}') AS a,
               ab_assign(u, 'ramp', '{"A": 0.5, "B": 0.1, "C": 0.4}') AS b FROM units);

-- The multi-arm recipe of the docs: ramp a two-variant exposure gate, split
-- the exposed units with fixed weights under another experiment name.  No
-- exposed unit ever changes arm.
-- case: ab.ramp.gate
SELECT sum(g1 = 'on' AND g2 = 'off') = 0
   AND sum(g1 = 'on') > 0 AND sum(g2 = 'on') > sum(g1 = 'on')
   AND abs(avg(CASE WHEN g2 = 'on' THEN arm = 't1' END) - 0.5) < 0.02
  FROM (SELECT ab_assign(u, 'checkout/gate', '{"on": 0.1, "off": 0.9}') AS g1,
               ab_assign(u, 'checkout/gate', '{"on": 0.4, "off": 0.6}') AS g2,
               ab_assign(u, 'checkout/arms', '{"t1": 0.5, "t2": 0.5}') AS arm FROM units WHERE u <= 20000);

-- Weights from a column (not constant): parsed per row, same answers.
CREATE TABLE exp_weights(unit TEXT, w TEXT);
INSERT INTO exp_weights SELECT name, CASE WHEN rowid % 2 THEN '{"A": 0.2, "B": 0.8}' ELSE '{"B": 0.5, "A": 0.5}' END FROM users;
-- case: ab.weights.column
SELECT sum(ab_assign(unit, 'col', w) = CASE WHEN rowid % 2 THEN ab_assign(unit, 'col', '{"A": 0.2, "B": 0.8}')
                                            ELSE ab_assign(unit, 'col') END) = 10000
  FROM exp_weights;

-- A bad weights value in one row of a column is an error on that row.
-- case: ab.weights.column_error
-- error: ab_assign(): weights (argument 3): duplicate key "A"
SELECT ab_assign(unit, 'col', CASE WHEN rowid = 5000 THEN '{"A": 0.5, "A": 0.5}' ELSE w END) FROM exp_weights;

-- Long units and long names (streamed hashing beyond 512 bytes) work.
-- case: ab.long
SELECT ab_bucket(zeroblob(1000000), 'e') >= 0
   AND ab_bucket(printf('%.*c', 700, 'u'), printf('%.*c', 700, 'e'), printf('%.*c', 700, 's')) < 1
   AND ab_bucket(printf('%.*c', 700, 'u'), 'e') <> ab_bucket(printf('%.*c', 699, 'u'), 'e')
   AND ab_assign(1, 'e', '{"' || printf('%.*c', 2000, 'v') || '": 1}') = printf('%.*c', 2000, 'v');

-- Other unit types: REAL, BLOB, huge integers.
-- case: ab.types
SELECT ab_assign(1e300, 'e') IN ('A', 'B') AND ab_assign(x'00ff', 'e') IN ('A', 'B')
   AND ab_assign(9223372036854775807, 'e') IN ('A', 'B') AND ab_assign(-9e18, 'e') IN ('A', 'B')
   AND ab_assign(9e999, 'e') IN ('A', 'B') AND ab_bucket(3.5, 'e') <> ab_bucket(3, 'e');

-- Pure: allowed in a generated column, an index expression and a CHECK.
CREATE TABLE members(user_id INTEGER, variant TEXT GENERATED ALWAYS AS (ab_assign(user_id, 'gen')) VIRTUAL,
                     CHECK (ab_bucket(user_id, 'gen') < 1));
INSERT INTO members(user_id) SELECT u FROM units WHERE u <= 1000;
CREATE INDEX members_bucket ON members(ab_bucket(user_id, 'gen'));
-- case: ab.pure
SELECT sum(variant = ab_assign(user_id, 'gen')) = 1000
   AND (SELECT count(*) FROM members INDEXED BY members_bucket WHERE ab_bucket(user_id, 'gen') < 0.5)
       = (SELECT count(*) FROM members WHERE variant = 'A')
  FROM members;

-- case: ab.flags
SELECT count(*) = 5 FROM pragma_function_list
 WHERE name IN ('ab_assign', 'ab_bucket') AND builtin = 0 AND flags & 0x000800 AND flags & 0x200000;

-- Errors.
-- case: ab.err.exp_type
-- error: ab_assign(): experiment (argument 2) is INTEGER; expected TEXT (the experiment's name)
SELECT ab_assign(1, 12);

-- case: ab.err.exp_blob
-- error: ab_bucket(): experiment (argument 2) is BLOB; expected TEXT (the experiment's name)
SELECT ab_bucket(1, x'00');

-- case: ab.err.exp_null
-- error: ab_bucket(): experiment (argument 2) is NULL; expected TEXT (the experiment's name)
SELECT ab_bucket(1, NULL);

-- case: ab.err.salt_int
-- error: ab_bucket(): salt (argument 3) is INTEGER; expected TEXT
SELECT ab_bucket(1, 'e', 42);

-- case: ab.err.salt_null
-- error: ab_assign(): salt (argument 4) is NULL; expected TEXT
SELECT ab_assign(1, 'e', '{"A": 1}', NULL);

-- case: ab.err.weights_null
-- error: ab_assign(): weights (argument 3) is NULL; expected TEXT holding a JSON object such as '{"A": 0.5, "B": 0.5}'
SELECT ab_assign(1, 'e', NULL);

-- case: ab.err.weights_real
-- error: ab_assign(): weights (argument 3) is REAL; expected TEXT holding a JSON object such as '{"A": 0.5, "B": 0.5}'
SELECT ab_assign(1, 'e', 0.5);

-- case: ab.err.weights_blob
-- error: ab_assign(): weights (argument 3) is BLOB; expected TEXT holding a JSON object such as '{"A": 0.5, "B": 0.5}'
SELECT ab_assign(1, 'e', CAST('{"A": 1}' AS BLOB));

-- case: ab.err.not_object
-- error: ab_assign(): weights (argument 3): expected a JSON object
SELECT ab_assign(1, 'e', '[0.5, 0.5]');

-- case: ab.err.not_json
-- error: ab_assign(): weights (argument 3): expected a JSON object
SELECT ab_assign(1, 'e', 'A=0.5,B=0.5');

-- case: ab.err.nan
-- error: ab_assign(): weights (argument 3): invalid number at byte 6
SELECT ab_assign(1, 'e', '{"A": NaN, "B": 0.5}');

-- case: ab.err.nested
-- error: ab_assign(): weights (argument 3): value of "A" is an object; expected a number, string, true, false or null
SELECT ab_assign(1, 'e', '{"A": {"w": 1}}');

-- case: ab.err.trailing
-- error: ab_assign(): weights (argument 3): unexpected text after the object at byte 9
SELECT ab_assign(1, 'e', '{"A": 1} x');

-- case: ab.err.duplicate
-- error: ab_assign(): weights (argument 3): duplicate key "A"
SELECT ab_assign(1, 'e', '{"A": 0.5, "B": 0, "A": 0.5}');

-- case: ab.err.empty
-- error: ab_assign(): weights (argument 3): the object is empty; expected at least one variant, e.g. {"A": 0.5, "B": 0.5}
SELECT ab_assign(1, 'e', ' { } ');

-- case: ab.err.empty_name
-- error: ab_assign(): weights (argument 3): a variant name is empty
SELECT ab_assign(1, 'e', '{"": 0.5, "B": 0.5}');

-- case: ab.err.string
-- error: ab_assign(): weights (argument 3): weight of "B" is a string; expected a number >= 0
SELECT ab_assign(1, 'e', '{"A": 0.5, "B": "0.5"}');

-- case: ab.err.null
-- error: ab_assign(): weights (argument 3): weight of "A" is null; expected a number >= 0
SELECT ab_assign(1, 'e', '{"A": null, "B": 1}');

-- case: ab.err.bool
-- error: ab_assign(): weights (argument 3): weight of "A" is false; expected a number >= 0
SELECT ab_assign(1, 'e', '{"A": false, "B": 1}');

-- case: ab.err.negative
-- error: ab_assign(): weights (argument 3): weight of "B" is -0.1; expected a number >= 0
SELECT ab_assign(1, 'e', '{"A": 1.1, "B": -0.1}');

-- case: ab.err.inf
-- error: ab_assign(): weights (argument 3): weight of "A" is not a finite number
SELECT ab_assign(1, 'e', '{"A": 1e999}');

-- case: ab.err.sum
-- error: ab_assign(): weights (argument 3): the sum is 0.9; expected 1 (within 1e-9)
SELECT ab_assign(1, 'e', '{"A": 0.45, "B": 0.45}');

-- case: ab.err.sum_tol
-- error: ab_assign(): weights (argument 3): the sum is 1.000000002; expected 1 (within 1e-9)
SELECT ab_assign(1, 'e', '{"A": 0.5, "B": 0.500000002}');

-- case: ab.err.percent
-- error: ab_assign(): weights (argument 3): the sum is 100; expected 1 (within 1e-9); weights are fractions, not percentages
SELECT ab_assign(1, 'e', '{"A": 50, "B": 50}');

-- case: ab.err.overflow
-- error: ab_assign(): weights (argument 3): the sum is inf; expected 1 (within 1e-9)
SELECT ab_assign(1, 'e', '{"A": 1e308, "B": 1e308}');

-- case: ab.err.nargs
-- error: wrong number of arguments to function ab_assign()
SELECT ab_assign(1);

-- case: ab.err.nargs2
-- error: wrong number of arguments to function ab_bucket()
SELECT ab_bucket(1, 'e', '', '');

-- case: ab.err.utf8_name
-- error: ab_assign(): weights (argument 3): key at byte 1 is not valid UTF-8 (byte 0xff at offset 0 of the key)
SELECT ab_assign(1, 'e', CAST(x'7b22ff223a317d' AS TEXT));

-- case: ab.err.nul_name
-- error: ab_assign(): weights (argument 3): NUL character in string at byte 9
SELECT ab_assign(1, 'e', '{"a\u0000": 1}');

-- case: ab.err.unterminated
-- error: ab_assign(): weights (argument 3): expected ',' or '}' at byte 6
SELECT ab_assign(1, 'e', '{"a":1');
