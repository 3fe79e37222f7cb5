-- feature_vector(): rows whose names repeat take the remembered-names path
-- (ext/feature_vector.c behaviour 5); bytes, NULLs, types and errors must be
-- those of the full path.
CREATE TABLE fvc(i INTEGER PRIMARY KEY, x, y, z);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 600)
INSERT INTO fvc
SELECT i,
       CASE i % 6 WHEN 0 THEN (i * 2654435761) % 100003 - 50000 WHEN 1 THEN ((i * 40503) % 9973) / 7.0
                  WHEN 2 THEN 'cat-' || (i * 7919 % 37) WHEN 3 THEN NULL WHEN 4 THEN -0.0 ELSE 9007199254740993 * (i % 3 - 1) END,
       CASE i % 4 WHEN 0 THEN NULL WHEN 1 THEN 'h' || (i % 11) WHEN 2 THEN i * 1e300 / 1e300 ELSE -i END,
       CASE WHEN i % 5 = 0 THEN 'é' || i ELSE (i % 17) - 8.5 END
FROM s;
-- The reference: the full path on every row.  100 name sets seen once use up
-- the statement's budget of remembered sets, so no row of fvc is remembered.
CREATE TABLE fvc_ref AS
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 100),
w(i, n1, x, y, z) AS (SELECT -i, 'junk' || i, i, NULL, NULL FROM s UNION ALL SELECT i, 'a', x, y, z FROM fvc)
SELECT i, feature_vector(n1, x, 'b', y, 'c', z) AS v FROM w;
-- case: fvc.reference.rows
SELECT count(*) = 600 FROM fvc JOIN fvc_ref USING (i);
-- case: fvc.constant.names.equal.full.path
SELECT count(*) = 0 FROM fvc JOIN fvc_ref USING (i) WHERE feature_vector('a', x, 'b', y, 'c', z) IS NOT v;
-- case: fvc.constant.names.any.order
SELECT count(*) = 0 FROM fvc JOIN fvc_ref USING (i) WHERE feature_vector('c', z, 'a', x, 'b', y) IS NOT v;
-- case: fvc.column.names.equal.full.path
SELECT count(*) = 0 FROM (SELECT i, x, y, z, 'a' AS na, 'b' AS nb, 'c' AS nc FROM fvc) JOIN fvc_ref USING (i)
WHERE feature_vector(nb, y, na, x, nc, z) IS NOT v;
-- case: fvc.constant.vs.column.names
SELECT count(*) = 0 FROM (SELECT i, x, y, z, 'b' || '' AS nb FROM fvc)
WHERE feature_vector('a', x, nb, y) IS NOT feature_vector('a', x, 'b', y);
-- case: fvc.names.vary.by.row
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 300)
SELECT count(*) = 0 FROM s
WHERE feature_vector(CASE i % 3 WHEN 0 THEN 'p' WHEN 1 THEN 'q' ELSE 'r' END, i, 's', i % 2)
      IS NOT CASE i % 3 WHEN 0 THEN feature_vector('p', i, 's', i % 2) WHEN 1 THEN feature_vector('q', i, 's', i % 2)
                        ELSE feature_vector('r', i, 's', i % 2) END;
-- case: fvc.names.many.sets
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 400)
SELECT count(*) = 400 FROM s
WHERE feature_vector_json(feature_vector('n' || (i % 20), i, 'm', NULL)) = '{"m":null,"n' || (i % 20) || '":' || i || '}';
-- case: fvc.types.change
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 40)
SELECT count(*) = 40 FROM s
WHERE feature_vector_json(feature_vector('v', CASE i % 4 WHEN 0 THEN i WHEN 1 THEN i + 0.5 WHEN 2 THEN 'web-3' ELSE NULL END, 'w', i))
    = '{"v":' || CASE i % 4 WHEN 0 THEN i WHEN 1 THEN i + 0.5 WHEN 2 THEN '"xxh3:21a08a5bfd23f02a"' ELSE 'null' END || ',"w":' || i || '}';
-- case: fvc.negative.zero
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 5)
SELECT count(*) = 5 FROM s WHERE feature_vector('z', -0.0 * i, 'y', 0) = feature_vector('y', 0, 'z', 0.0);
-- case: fvc.many.pairs
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 50)
SELECT count(*) = 50 FROM s
WHERE feature_vector('a',i,'b',2,'c',3,'d',4,'e',5,'f',6,'g',7,'h',8,'i',9,'j',10,'k',11,'l',12,'m',13,'n',14,'o',15,'p',16,'q',i % 3,'r','x')
    = feature_vector('r','x','q',i % 3,'p',16,'o',15,'n',14,'m',13,'l',12,'k',11,'j',10,'i',9,'h',8,'g',7,'f',6,'e',5,'d',4,'c',3,'b',2,'a',i);
-- case: fvc.many.call.sites
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 30)
SELECT count(*) = 30 FROM s
WHERE feature_vector_json(feature_vector('k0', i)) = '{"k0":' || i || '}'
  AND feature_vector_json(feature_vector('k1', i)) = '{"k1":' || i || '}'
  AND feature_vector_json(feature_vector('k2', i)) = '{"k2":' || i || '}'
  AND feature_vector_json(feature_vector('k3', i)) = '{"k3":' || i || '}'
  AND feature_vector_json(feature_vector('k4', i)) = '{"k4":' || i || '}'
  AND feature_vector_json(feature_vector('k5', i)) = '{"k5":' || i || '}'
  AND feature_vector_json(feature_vector('k6', i)) = '{"k6":' || i || '}'
  AND feature_vector_json(feature_vector('k7', i)) = '{"k7":' || i || '}'
  AND feature_vector_json(feature_vector('k8', i)) = '{"k8":' || i || '}'
  AND feature_vector_json(feature_vector('k9', i)) = '{"k9":' || i || '}'
  AND feature_vector_json(feature_vector('k10', i, 'k0', NULL)) = '{"k0":null,"k10":' || i || '}';

-- errors on a row after the names were remembered
-- case: fvc.err.nonfinite.later
-- error: feature_vector(): value of "a" (argument 2) is not a finite number
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 10)
SELECT count(feature_vector('a', CASE WHEN i = 5 THEN 1e999 ELSE i END, 'b', 1)) FROM s;
-- case: fvc.err.blob.later
-- error: feature_vector(): value of "b" (argument 2) is a BLOB; expected INTEGER, REAL, TEXT or NULL
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 10)
SELECT count(feature_vector('b', CASE WHEN i = 5 THEN x'00' ELSE i END, 'a', 1)) FROM s;
-- case: fvc.err.argument.order.later
-- error: feature_vector(): value of "z" (argument 2) is a BLOB; expected INTEGER, REAL, TEXT or NULL
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 10)
SELECT count(feature_vector('z', CASE WHEN i = 5 THEN x'00' ELSE 1 END, 'a', CASE WHEN i = 5 THEN -1e999 ELSE 2 END)) FROM s;
-- case: fvc.err.duplicate.later
-- error: feature_vector(): duplicate feature name "a"
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 10)
SELECT count(feature_vector('a', i, CASE WHEN i = 5 THEN 'a' ELSE 'b' END, i)) FROM s;
-- case: fvc.err.duplicate.later.column.first
-- error: feature_vector(): duplicate feature name "b"
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 10)
SELECT count(feature_vector(CASE WHEN i = 5 THEN 'b' ELSE 'a' END, i, 'b', i)) FROM s;
-- case: fvc.err.name.type.later
-- error: feature_vector(): argument 3 (a feature name) is INTEGER; expected TEXT
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 10)
SELECT count(feature_vector('a', i, CASE WHEN i = 5 THEN 7 ELSE 'b' END, i)) FROM s;
-- case: fvc.err.name.empty.later
-- error: feature_vector(): feature name is empty
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 10)
SELECT count(feature_vector('a', i, CASE WHEN i = 5 THEN '' ELSE 'b' END, i)) FROM s;
-- case: fvc.err.name.utf8.later
-- error: feature_vector(): feature name (argument 3) has byte 0xff at offset 1, which is not valid UTF-8; names must be valid UTF-8 without NUL
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 10)
SELECT count(feature_vector('a', i, CASE WHEN i = 5 THEN CAST(x'62ff' AS TEXT) ELSE 'b' END, i)) FROM s;
-- case: fvc.err.name.nul.blob.later
-- error: feature_vector(): feature name (argument 3) contains a NUL byte at offset 1; names must be valid UTF-8 without NUL
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 10)
SELECT count(feature_vector('a', i, CASE WHEN i = 5 THEN CAST(x'6200' AS TEXT) ELSE 'b' END, CASE WHEN i = 5 THEN x'01' ELSE 1 END)) FROM s;
-- case: fvc.null.later
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 10)
SELECT group_concat(feature_vector_json(feature_vector('a', CASE WHEN i % 2 THEN NULL ELSE i END)), '') = '{"a":null}{"a":2}{"a":null}{"a":4}{"a":null}{"a":6}{"a":null}{"a":8}{"a":null}{"a":10}' FROM s;
