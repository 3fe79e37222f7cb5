-- feature_vector() and feature_vector_json(): docs/feature_vector.md.
-- case: fv.type
SELECT typeof(feature_vector('a', 1)) = 'blob';
-- case: fv.json.numeric
SELECT feature_vector_json(feature_vector('a', 1, 'b', 2.5)) = '{"a":1,"b":2.5}';
-- case: fv.sorted
SELECT feature_vector('b', 2, 'a', 1) = feature_vector('a', 1, 'b', 2);
-- case: fv.bytes
SELECT hex(feature_vector('a', 1)) = '4F4D4656010001000100010061000000000000F03F';
-- case: fv.missing
SELECT feature_vector_json(feature_vector('m', NULL, 'x', 0)) = '{"m":null,"x":0}';
-- case: fv.categorical.not.raw
SELECT instr(CAST(feature_vector('host', 'secret-host-name') AS TEXT), 'secret') = 0;
-- case: fv.categorical.hex
SELECT feature_vector_json(feature_vector('h', 'web-3')) = '{"h":"xxh3:21a08a5bfd23f02a"}';
-- case: fv.int.vs.real
SELECT feature_vector('a', 3) = feature_vector('a', 3.0);
-- case: fv.negative.zero
SELECT feature_vector_json(feature_vector('z', -0.0)) = '{"z":0}';
-- case: fv.tiny.huge
SELECT json_extract(feature_vector_json(feature_vector('t', 5e-324, 'u', 1.7976931348623157e308)), '$.t') = 5e-324
   AND json_extract(feature_vector_json(feature_vector('t', 5e-324, 'u', 1.7976931348623157e308)), '$.u') = 1.7976931348623157e308;
-- case: fv.roundtrip.double
SELECT json_extract(feature_vector_json(feature_vector('x', 0.1)), '$.x') = 0.1;
-- case: fv.int64.large
SELECT json_extract(feature_vector_json(feature_vector('x', 9007199254740993)), '$.x') = 9007199254740992.0;
-- case: fv.json.form
SELECT feature_vector(json_object('a', 1, 'b', 'x', 'c', NULL)) = feature_vector('a', 1, 'b', 'x', 'c', NULL);
-- case: fv.json.literal
SELECT feature_vector('{"b": 2.5, "a": -1e3, "t": true, "f": false, "s": "x\"y"}') = feature_vector('a', -1000, 'b', 2.5, 't', 1, 'f', 0, 's', 'x"y');
-- case: fv.json.unicode.escape
SELECT feature_vector('{"h\u00e9": "\u65e5\ud83d\ude00"}') = feature_vector('hé', '日😀');
-- case: fv.json.empty
SELECT feature_vector_json(feature_vector('{}')) = '{}';
-- case: fv.null.json
SELECT feature_vector(NULL) IS NULL;
-- case: fv.json.null
SELECT feature_vector_json(NULL) IS NULL;
-- case: fv.name.255
SELECT length(feature_vector(printf('%.255c', 'n'), 1)) = 8 + 4 + 255 + 8;
-- case: fv.many
SELECT length(feature_vector('a',1,'b',2,'c',3,'d',4,'e',5,'f',6,'g',7,'h',8,'i',9,'j',10)) = 8 + 10 * (4 + 1 + 8);
-- case: fv.scratch.reuse
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 1000)
SELECT count(DISTINCT feature_vector('i', i, 'h', 'h' || (i % 7))) = 1000 FROM s;
-- case: fv.varying.width
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 50)
SELECT sum(length(CASE WHEN i % 2 THEN feature_vector('a', i) ELSE feature_vector('a', i, 'b', i, 'c', 'x') END)) = 25 * 21 + 25 * 47 FROM s;

-- errors
-- case: fv.err.noargs
-- error: feature_vector(): got 0 arguments; expected name/value pairs (an even number) or one JSON object
SELECT feature_vector();
-- case: fv.err.odd
-- error: feature_vector(): got 3 arguments; expected name/value pairs (an even number) or one JSON object
SELECT feature_vector('a', 1, 'b');
-- case: fv.err.name.type
-- error: feature_vector(): argument 3 (a feature name) is INTEGER; expected TEXT
SELECT feature_vector('a', 1, 2, 3);
-- case: fv.err.name.null
-- error: feature_vector(): argument 1 (a feature name) is NULL; expected TEXT
SELECT feature_vector(NULL, 1);
-- case: fv.err.blob.value
-- error: feature_vector(): value of "a" (argument 2) is a BLOB; expected INTEGER, REAL, TEXT or NULL
SELECT feature_vector('a', x'00');
-- case: fv.err.inf
-- error: feature_vector(): value of "a" (argument 2) is not a finite number
SELECT feature_vector('a', 1e999);
-- case: fv.err.neginf
-- error: feature_vector(): value of "b" (argument 4) is not a finite number
SELECT feature_vector('a', 1, 'b', -1e999);
-- case: fv.err.duplicate
-- error: feature_vector(): duplicate feature name "a"
SELECT feature_vector('a', 1, 'b', 2, 'a', 3);
-- case: fv.err.empty.name
-- error: feature_vector(): feature name is empty
SELECT feature_vector('', 1);
-- case: fv.err.long.name
-- error: feature_vector(): feature name "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn..." is 256 bytes; at most 255
SELECT feature_vector(printf('%.256c', 'n'), 1);
-- case: fv.err.single.int
-- error: feature_vector(): argument 1 is INTEGER; expected a JSON object as TEXT, or name/value pairs
SELECT feature_vector(1);
-- case: fv.err.json.array
-- error: feature_vector(): argument 1 is not a flat JSON object: expected a JSON object
SELECT feature_vector('[1,2]');
-- case: fv.err.json.nested
-- error: feature_vector(): argument 1 is not a flat JSON object: value of "a" is an object; expected a number, string, true, false or null
SELECT feature_vector('{"a": {"b": 1}}');
-- case: fv.err.json.dup
-- error: feature_vector(): argument 1 is not a flat JSON object: duplicate key "a"
SELECT feature_vector('{"a": 1, "a": 2}');
-- case: fv.err.json.trailing
-- error: feature_vector(): argument 1 is not a flat JSON object: unexpected text after the object at byte 9
SELECT feature_vector('{"a": 1} x');
-- case: fv.err.json.huge
-- error: feature_vector(): value of "a" in the JSON object is not a finite number
SELECT feature_vector('{"a": 1e999}');
-- case: fv.err.json.garbage
-- error: feature_vector(): argument 1 is not a flat JSON object: expected a JSON object
SELECT feature_vector('not json');
-- case: fv.err.arity
-- error: wrong number of arguments to function feature_vector_json()
SELECT feature_vector_json(1, 2);
-- case: fvjson.err.text
-- error: feature_vector_json(): argument 1 is TEXT; expected a feature vector (a BLOB made by feature_vector())
SELECT feature_vector_json('a');
-- case: fvjson.err.foreign
-- error: feature_vector_json(): not a feature vector
SELECT feature_vector_json(x'00112233445566778899');
-- case: fvjson.err.truncated
-- error: feature_vector_json(): feature vector is corrupt (entry 1)
SELECT feature_vector_json(substr(feature_vector('abc', 1), 1, 15));
-- case: fvjson.err.trailing
-- error: feature_vector_json(): feature vector has trailing bytes
SELECT feature_vector_json(CAST(feature_vector('a', 1) || x'00' AS BLOB));
-- case: fvjson.err.version
-- error: feature_vector_json(): feature vector format 2 is not supported (this build reads 1)
SELECT feature_vector_json(x'4F4D4656020000000000');
-- case: fvjson.err.order
-- error: feature_vector_json(): feature vector is corrupt (entry 2)
SELECT feature_vector_json(x'4F4D4656010002000100010062000000000000F03F0100010061000000000000F03F');
-- case: fvjson.err.nan
-- error: feature_vector_json(): feature vector is corrupt (entry 1)
SELECT feature_vector_json(x'4F4D46560100010001000100610000000000F8FF7F');
-- case: fv.negative.zero.same.blob
SELECT feature_vector('z', -0.0) = feature_vector('z', 0.0);
-- case: fv.json.error.offset
-- error: feature_vector(): argument 1 is not a flat JSON object: expected ':' at byte 5
SELECT feature_vector('{"a" 1}');
