/*
** mdl.h — the model envelope: one self-describing, checksummed container for
** every model kind omen writes (scaler, boosted trees, ...).
**
** Byte map (envelope format 2; integers little-endian; offsets in bytes):
**
**   0   4  magic "OMEN"
**   4   2  u16 envelope format version (MDL_FORMAT_VERSION)
**   6   2  u16 model kind (mdl_kind, in mdl_kind.h)
**   8   2  u16 payload version (owned by the kind)
**   10  2  u16 flags, reserved, 0
**   12  4  reserved, 0
**   16  8  u64 total length of the BLOB, footer included
**   24  4  u32 schema section length S
**   28  4  u32 meta section length M
**   32  8  u64 payload length P
**   40  4  u32 profile section length R (format 1: 0, this u32 and the next
**          were one reserved u64)
**   44  4  reserved, 0
**   48  S  schema: u32 count, then per feature sorted by name (as in fv.h):
**          u8 type (1 numeric, 2 categorical), u8 reserved 0, u16 name length,
**          name bytes
**   .   M  meta: u64 rows_used, u64 rows_skipped, u64 seed, i64 created_at
**          (Unix seconds; 0 = not stamped), u32 length + options JSON text,
**          u32 length + metrics JSON text (both flat JSON objects)
**   .   R  training profile (mdl_profile.h; R = 0: none)
**   .   P  payload (the kind's own format, see its codec)
**   end-8  8  u64 XXH3-64 (seed 0) of every byte before the footer
**
** Behaviours:
**   1. mdl_open validates, in order: minimum length, magic, envelope version
**      (a newer one is OM_UNSUPPORTED_VERSION with both numbers in the
**      message), total length, checksum, reserved bytes, section lengths,
**      then every schema entry and the meta JSON.  Only then does it return
**      views into the BLOB.  A failure is never a crash.
**   2. Training is deterministic: the same data, options and seed give the same
**      bytes.  created_at is therefore 0 when a model is trained, and is
**      stamped by the registry when the model is saved (mdl_stamp_created_at
**      rewrites the field and the checksum).
**   3. Feature names are the user's column names; categorical *values* never
**      appear in a model (only their XXH3 hashes, inside payloads).  Names
**      are valid UTF-8 without NUL (om_text.h); a schema name that is not
**      makes the BLOB corrupt, and so do options or metrics JSON that are
**      not valid UTF-8 (model_info copies them into its output).
**   5. Format 2 added the profile section (R).  A format-1 BLOB reads as a
**      format-2 one with R = 0, so it decodes exactly as before, and a
**      format-2 BLOB with R = 0 is valid too.  The writer uses the oldest
**      format that holds the model: format 2 when it has a profile (every
**      model trained from feature vectors: gbt, iforest, mahalanobis,
**      scaler), format 1 otherwise (forecast, conformal, bandit, baseline,
**      ensemble, and models derived from old ones such as baseline_shrink's),
**      so models without a profile keep their bytes and checksums.
**      mdl_open checks the profile against the schema (mdl_profile_check);
**      a bad profile makes the whole BLOB corrupt.  model_info adds
**      "profile": {"rows", "features"} only when there is one.
**   4. model_info's created_at is the registry's text form, UTC
**      'YYYY-MM-DD HH:MM:SS' (mdl_format_time), or null when not saved.
*/
#ifndef MDL_H
#define MDL_H

#include "om_buf.h"

#include "mdl_profile.h"

#define MDL_FORMAT_VERSION 2 /* the newest read and written (behaviour 5) */
#define MDL_FORMAT_OLDEST 1  /* the oldest read */
#define MDL_HEADER_SIZE 48
#define MDL_FOOTER_SIZE 8

typedef struct mdl_feature {
  const char *name; /* borrowed, not NUL-terminated */
  size_t name_len;
  uint8_t type;     /* 1 numeric (FV_NUMERIC), 2 categorical (FV_CATEGORICAL) */
} mdl_feature;

typedef struct mdl_meta {
  uint64_t rows_used;
  uint64_t rows_skipped;
  uint64_t seed;
  int64_t created_at;
  const char *options_json; /* borrowed; a flat JSON object, "{}" when none */
  size_t options_len;
  const char *metrics_json; /* borrowed; a flat JSON object, "{}" when none */
  size_t metrics_len;
} mdl_meta;

/* A validated model: views into a BLOB the caller keeps alive. */
typedef struct mdl_view {
  uint16_t format_version;
  uint16_t kind;
  uint16_t payload_version;
  uint32_t n_features;
  mdl_feature *features;   /* owned array [n_features], names point into the BLOB */
  mdl_meta meta;
  const uint8_t *profile;  /* the checked profile section (NULL when R = 0) */
  size_t profile_len;
  uint64_t profile_rows;   /* its row count (0 when none) */
  const uint8_t *payload;
  size_t payload_len;
  uint64_t checksum;
  size_t size;             /* bytes in the whole BLOB */
} mdl_view;

/* Write a complete envelope to w.  features must be sorted by name and unique. */
om_status mdl_write(om_wbuf *w, uint16_t kind, uint16_t payload_version, const mdl_feature *features,
                    uint32_t n_features, const mdl_meta *meta, const uint8_t *payload, size_t payload_len,
                    om_err *err);
/* The same with a training profile (NULL: none), which must describe
** exactly the schema's features, in order (OM_INTERNAL otherwise). */
om_status mdl_write_profiled(om_wbuf *w, uint16_t kind, uint16_t payload_version, const mdl_feature *features,
                             uint32_t n_features, const mdl_meta *meta, const mdl_profile *profile,
                             const uint8_t *payload, size_t payload_len, om_err *err);

om_status mdl_open(const uint8_t *blob, size_t n, mdl_view *out, om_err *err);
void mdl_view_free(mdl_view *v);
/* A second view of the same (already validated) BLOB, without re-checking it:
** copies the struct and duplicates the features array.  OM_NOMEM only. */
om_status mdl_view_dup(const mdl_view *v, mdl_view *out, om_err *err);

/* created_at as the registry writes it, UTC 'YYYY-MM-DD HH:MM:SS' (what
** SQLite's datetime(t, 'unixepoch') gives), into out; 0 (and nothing
** written) when t is 0 -- not saved -- or outside 1970..9999. */
int mdl_format_time(int64_t t, char out[20]);

/* Set created_at inside an already valid BLOB and refresh its checksum. */
om_status mdl_stamp_created_at(uint8_t *blob, size_t n, int64_t created_at, om_err *err);

/* Index of the feature named (name, n) in the view's sorted schema, or -1. */
long mdl_find_feature(const mdl_view *v, const char *name, size_t n);

/* Render header + schema + meta as one JSON object into w (for model_info).
** With model (the kind's decoded model, or NULL) and a kind row that has an
** info hook (mdl_kind.h), its members are added under "detail". */
om_status mdl_info_json(const mdl_view *v, const void *model, om_wbuf *w, om_err *err);

#endif /* MDL_H */
