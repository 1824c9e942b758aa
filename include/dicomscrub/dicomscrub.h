/* dicomscrub.h — the stable C ABI of dicomscrub (C99).
 *
 * Conventions (after zstd and libgit2):
 *  - every symbol starts with dscrub_; nothing else is exported from libdicomscrub;
 *  - objects are opaque handles; whoever receives one from a *_new or a dscrub_deidentify_*
 *    call frees it with the matching *_free (freeing NULL is allowed);
 *  - functions return a dscrub_status; on failure dscrub_last_error() (and its offset and tag
 *    path) describe the failure of the most recent failing call on the calling thread;
 *  - strings are UTF-8 and NUL-terminated; returned pointers stay valid until the object that
 *    owns them is freed;
 *  - an engine is immutable after creation and may be used from many threads at once.
 *
 * ABI versioning: DSCRUB_ABI_VERSION changes only when an existing signature or meaning changes;
 * additions keep it. Check dscrub_abi_version() == DSCRUB_ABI_VERSION at start-up.
 */
#ifndef DICOMSCRUB_H
#define DICOMSCRUB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define DSCRUB_API __attribute__((visibility("default")))
#else
#define DSCRUB_API
#endif

#define DSCRUB_ABI_VERSION 1

typedef enum dscrub_status {
  DSCRUB_OK = 0,             /* done; for de-identification: the output may be used */
  DSCRUB_WITHHELD = 1,       /* de-identification refused to vouch for this input: no output */
  DSCRUB_ERROR_INPUT = 2,    /* the input is not DICOM or is malformed (see dscrub_last_error) */
  DSCRUB_ERROR_CONFIG = 3,   /* bad profile, option or key */
  DSCRUB_ERROR_IO = 4,       /* a file could not be read or written */
  DSCRUB_ERROR_ARGUMENT = 5, /* a NULL where an object was needed, or similar */
  DSCRUB_ERROR_INTERNAL = 6  /* a bug: please report it */
} dscrub_status;

typedef struct dscrub_engine dscrub_engine;
typedef struct dscrub_result dscrub_result;

DSCRUB_API unsigned dscrub_abi_version(void);
DSCRUB_API const char* dscrub_version(void);
DSCRUB_API const char* dscrub_status_name(dscrub_status status);

/* The message, byte offset and tag path of the last failure on this thread ("" and 0 if none). */
DSCRUB_API const char* dscrub_last_error(void);
DSCRUB_API uint64_t dscrub_last_error_offset(void);
DSCRUB_API const char* dscrub_last_error_tag_path(void);

/* An engine: a profile ("basic" or a path to a JSON profile), options (e.g. "retain_uids"), and a
 * secret key of at least 16 bytes. key == NULL makes a random one-time key. */
DSCRUB_API dscrub_status dscrub_engine_new(const char* profile, const char* const* options, size_t option_count,
                                           const uint8_t* key, size_t key_length, dscrub_engine** out);
/* Reads a key file written by dscrub_keygen (refused when readable by others). */
DSCRUB_API dscrub_status dscrub_engine_new_with_key_file(const char* profile, const char* const* options,
                                                         size_t option_count, const char* key_file,
                                                         dscrub_engine** out);
/* An engine with further settings, each "name=value":
 *   key_file=PATH        the key from a key file (instead of key/key_length)
 *   mapping_dir=DIR      add every remapped UID and Patient ID to DIR/uid_mapping.csv and
 *                        DIR/patid_mapping.csv (id_old,id_new; mode 0600; identifying files),
 *                        before each output is produced; shared safely between processes.
 *   lookup=FILE.csv      rows of keyword,original,replacement replace those values (e.g. a trial's
 *                        subject IDs); a value without a row withholds the instance, unless
 *   lookup_missing=keyed it gets the profile's keyed pseudonym ("withhold" is the default).
 *   encrypt_for=CERT.pem (repeatable) seal the original values of what changed for this RSA or EC
 *                        certificate in an Encrypted Attributes Sequence (PS3.15 E.1.1, CMS).
 *   cover_pages=clean|identifiers|withhold  burned-in text on cover pages and scanned PDF pages
 *                        (default: the profile's, else clean), as the CLI's --cover-pages.
 *   ocr_check=true|false read cleaned frames back with OCR (default: the profile's, else true). */
DSCRUB_API dscrub_status dscrub_engine_new_with_settings(const char* profile, const char* const* options,
                                                         size_t option_count, const uint8_t* key, size_t key_length,
                                                         const char* const* settings, size_t setting_count,
                                                         dscrub_engine** out);
DSCRUB_API void dscrub_engine_free(dscrub_engine* engine);
/* 1 when the engine uses a random one-time key. */
DSCRUB_API int dscrub_engine_one_time_key(const dscrub_engine* engine);
/* Writes a new random 256-bit key file, mode 0600; refuses to overwrite. */
DSCRUB_API dscrub_status dscrub_keygen(const char* path);

/* De-identify bytes in memory. The output bytes are in the result (dscrub_result_data). */
DSCRUB_API dscrub_status dscrub_deidentify_buffer(const dscrub_engine* engine, const uint8_t* data, size_t length,
                                                  dscrub_result** out);
/* De-identify a file into exactly dst (written atomically; refuses to replace an existing file). */
DSCRUB_API dscrub_status dscrub_deidentify_file(const dscrub_engine* engine, const char* src, const char* dst,
                                                dscrub_result** out);
/* De-identify a file into dir/<study>/<series>/<instance>.dcm, named from pseudonymized UIDs. */
DSCRUB_API dscrub_status dscrub_deidentify_to_dir(const dscrub_engine* engine, const char* src, const char* dir,
                                                  dscrub_result** out);
/* De-identify a stream: read() fills buf with up to cap bytes and returns the count (0 at the end,
 * < 0 on error); write() consumes len bytes and returns 0 on success. The input is spooled to
 * memory (a DICOM file must be parsed whole before its first output byte is known). */
typedef long (*dscrub_read_fn)(void* context, uint8_t* buf, size_t cap);
typedef int (*dscrub_write_fn)(void* context, const uint8_t* data, size_t len);
DSCRUB_API dscrub_status dscrub_deidentify_stream(const dscrub_engine* engine, dscrub_read_fn read, void* read_context,
                                                  dscrub_write_fn write, void* write_context, dscrub_result** out);

/* Re-identify (PS3.15 E.1.2) src, de-identified with encrypt_for: open its Encrypted Attributes
 * Sequence with a PEM private key (cert_pem: its certificate, or NULL), restore the original values
 * and write dir/<study>/<series>/<instance>.dcm under the original UIDs (dscrub_result_output_path).
 * DSCRUB_ERROR_INPUT, nothing written, when there is no such sequence or the key cannot open it. */
DSCRUB_API dscrub_status dscrub_reidentify_to_dir(const char* private_key_pem, const char* cert_pem, const char* src,
                                                  const char* dir, dscrub_result** out);

/* A result is returned for DSCRUB_OK and DSCRUB_WITHHELD (and NULL otherwise). */
DSCRUB_API dscrub_status dscrub_result_status(const dscrub_result* result);
DSCRUB_API const char* dscrub_result_withhold_reason(const dscrub_result* result); /* "" unless withheld */
DSCRUB_API const uint8_t* dscrub_result_data(const dscrub_result* result, size_t* length); /* buffer mode */
DSCRUB_API const char* dscrub_result_output_path(const dscrub_result* result); /* study/series/instance.dcm */
DSCRUB_API const char* dscrub_result_audit_json(const dscrub_result* result); /* one JSON object, no values */
DSCRUB_API void dscrub_result_free(dscrub_result* result);

#ifdef __cplusplus
}
#endif

#endif /* DICOMSCRUB_H */
