-- omen_version() and omen_build_info(): docs/omen_version.md, docs/omen_build_info.md.
-- case: info.version.format
SELECT omen_version() GLOB '[0-9]*.[0-9]*.[0-9]*';
-- case: info.build.json
SELECT json_valid(omen_build_info());
-- case: info.build.sqlite
SELECT json_extract(omen_build_info(), '$.sqlite_running') = sqlite_version();
-- case: info.build.keys
SELECT json_extract(omen_build_info(), '$.omen_version') = omen_version()
   AND json_extract(omen_build_info(), '$.sqlite_compiled') GLOB '3.*'
   AND json_extract(omen_build_info(), '$.xxhash') GLOB '0.*'
   AND json_extract(omen_build_info(), '$.lapack_version') GLOB '3.*'
   AND json_extract(omen_build_info(), '$.lapack_library') LIKE '%lapack%'
   AND json_extract(omen_build_info(), '$.cflags') LIKE '%-Wall%';
-- case: info.build.formats
SELECT json_extract(omen_build_info(), '$.formats.model_envelope.writes') = 2
   AND json_extract(omen_build_info(), '$.formats.model_envelope.reads') = '[1,2]'
   AND json_extract(omen_build_info(), '$.formats.feature_vector.writes') = 1
   AND json_extract(omen_build_info(), '$.formats.payloads.scaler') = 1;
-- case: info.version.arity
-- error: wrong number of arguments to function omen_version()
SELECT omen_version(1);
