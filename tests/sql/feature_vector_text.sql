-- feature_vector(): scale (issue 8 finding 5) and the name rule (finding 7).
-- docs/feature_vector.md "Limits" and "Names"; docs/feature_vector_json.md.

-- 65,535 keys, the most a vector holds, in ascending and descending order.
-- Parsing, duplicate detection and sorting are O(n log n) (om_json.h 9,
-- fv.h 1): this used to take 15-33 s; the unit tests count comparisons.
CREATE TABLE big(ord TEXT, o TEXT);
INSERT INTO big
  WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 65535)
  SELECT 'asc', json_group_object(printf('k%05d', i), i) FROM s;
INSERT INTO big
  WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 65535)
  SELECT 'desc', json_group_object(printf('k%05d', 65536 - i), 65536 - i) FROM s;
-- case: fvtext.big.65535
SELECT length(feature_vector(o)) = 8 + 65535 * (4 + 6 + 8) FROM big WHERE ord = 'asc';
-- case: fvtext.big.order.free
SELECT (SELECT feature_vector(o) FROM big WHERE ord = 'asc') = (SELECT feature_vector(o) FROM big WHERE ord = 'desc');
-- case: fvtext.big.roundtrip
SELECT json_extract(feature_vector_json(feature_vector(o)), '$.k00001') = 1
   AND json_extract(feature_vector_json(feature_vector(o)), '$.k65535') = 65535
   AND (SELECT count(*) FROM json_each(feature_vector_json(feature_vector(o)))) = 65535
  FROM big WHERE ord = 'desc';
-- case: fvtext.big.too.many
-- error: feature_vector(): too many features (65536); at most 65535
SELECT feature_vector(json_insert(o, '$.zzz', 0)) FROM big WHERE ord = 'asc';
-- A duplicate as the very last key of 65,536 is found.
-- case: fvtext.big.duplicate.last
-- error: feature_vector(): argument 1 is not a flat JSON object: duplicate key "k00001"
SELECT feature_vector(substr(o, 1, length(o) - 1) || ',"k00001":0}') FROM big WHERE ord = 'desc';

-- Names are valid UTF-8 without NUL, in the pair form ...
-- case: fvtext.name.nul
-- error: feature_vector(): feature name (argument 3) contains a NUL byte at offset 2; names must be valid UTF-8 without NUL
SELECT feature_vector('a', 1, 'ab' || char(0) || 'c', 2);
-- case: fvtext.name.nul.only
-- error: feature_vector(): feature name (argument 1) contains a NUL byte at offset 0; names must be valid UTF-8 without NUL
SELECT feature_vector(char(0), 1);
-- case: fvtext.name.invalid.byte
-- error: feature_vector(): feature name (argument 3) has byte 0xff at offset 1, which is not valid UTF-8; names must be valid UTF-8 without NUL
SELECT feature_vector('a', 1, CAST(x'61ff' AS TEXT), 2);
-- case: fvtext.name.overlong
-- error: feature_vector(): feature name (argument 1) has byte 0xc0 at offset 0, which is not valid UTF-8; names must be valid UTF-8 without NUL
SELECT feature_vector(CAST(x'c0af' AS TEXT), 1);
-- case: fvtext.name.surrogate
-- error: feature_vector(): feature name (argument 1) has byte 0xed at offset 0, which is not valid UTF-8; names must be valid UTF-8 without NUL
SELECT feature_vector(CAST(x'eda080' AS TEXT), 1);
-- case: fvtext.name.truncated
-- error: feature_vector(): feature name (argument 1) has byte 0xe2 at offset 1, which is not valid UTF-8; names must be valid UTF-8 without NUL
SELECT feature_vector(CAST(x'7ae282' AS TEXT), 1);
-- The name is checked before its value.
-- case: fvtext.name.before.value
-- error: feature_vector(): feature name (argument 1) has byte 0xff at offset 0, which is not valid UTF-8; names must be valid UTF-8 without NUL
SELECT feature_vector(CAST(x'ff' AS TEXT), x'00');
-- Valid UTF-8 of every length is fine, and comes back as valid JSON.
-- case: fvtext.name.unicode
SELECT json_valid(feature_vector_json(feature_vector('é', 1, '日本', 2, '😀', 3, 'tab	x', 4)))
   AND json_extract(feature_vector_json(feature_vector('é', 1, '日本', 2, '😀', 3)), '$."😀"') = 3;

-- ... and as JSON keys: a raw invalid byte, \u0000 and lone surrogates are errors.
-- case: fvtext.json.key.invalid.byte
-- error: feature_vector(): argument 1 is not a flat JSON object: key at byte 8 is not valid UTF-8 (byte 0xff at offset 1 of the key)
SELECT feature_vector(CAST(x'7b2261223a20312c2262ff223a20327d' AS TEXT));
-- case: fvtext.json.key.nul.escape
-- error: feature_vector(): argument 1 is not a flat JSON object: NUL character in string at byte 8
SELECT feature_vector('{"\u0000": 1}');
-- case: fvtext.json.key.lone.surrogate
-- error: feature_vector(): argument 1 is not a flat JSON object: unpaired surrogate at byte 8
SELECT feature_vector('{"\ud800": 1}');
-- case: fvtext.json.key.lone.low.surrogate
-- error: feature_vector(): argument 1 is not a flat JSON object: unpaired surrogate at byte 9
SELECT feature_vector('{"x\udc00": 1}');
-- case: fvtext.json.key.surrogate.pair
SELECT feature_vector('{"\ud83d\ude00": 3}') = feature_vector('😀', 3);
-- case: fvtext.json.key.raw.nul
-- error: feature_vector(): argument 1 is not a flat JSON object: control character in string at byte 3
SELECT feature_vector('{"a' || char(0) || '": 1}');

-- TEXT values are only hashed, never written back: any bytes are fine there,
-- in both forms, and give the same hash.
-- case: fvtext.value.any.bytes
SELECT feature_vector('h', CAST(x'ff00c0af' AS TEXT)) IS NOT NULL
   AND json_valid(feature_vector_json(feature_vector('h', CAST(x'ffc0af' AS TEXT))))
   AND feature_vector(CAST(x'7b2268223a22ffc0af227d' AS TEXT)) = feature_vector('h', CAST(x'ffc0af' AS TEXT));

-- A JSON number too large for a double is an error naming the member.
-- case: fvtext.json.inf
-- error: feature_vector(): value of "b" in the JSON object is not a finite number
SELECT feature_vector('{"a": 1, "b": 9e999}');
-- case: fvtext.json.neg.inf
-- error: feature_vector(): value of "a" in the JSON object is not a finite number
SELECT feature_vector('{"a": -1e400}');

-- A stored vector whose name breaks the rule (built by hand) is corrupt.
-- case: fvtext.blob.invalid.name
-- error: feature_vector_json(): feature vector is corrupt (entry 1)
SELECT feature_vector_json(x'4F4D465601000100010001FF000000000000F03F');
-- case: fvtext.blob.nul.name
-- error: feature_vector_json(): feature vector is corrupt (entry 1)
SELECT feature_vector_json(x'4F4D46560100010001000200610000000000000000F03F');
-- case: fvtext.blob.invalid.second.name
-- error: feature_vector_json(): feature vector is corrupt (entry 2)
SELECT feature_vector_json(x'4F4D4656010002000000010061000002007AED');
-- The same BLOB with a valid second name is fine (so the byte is what is refused).
-- case: fvtext.blob.valid.second.name
SELECT feature_vector_json(x'4F4D4656010002000000010061000003007AC3A9') = '{"a":null,"zé":null}';
