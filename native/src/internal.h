/*
 * Internal interface of libzk_app_utils: the msgpack codec, the connection to the
 * daemon (one per context), requests and answers, client-side files.
 *
 * Everything here has hidden visibility (-fvisibility=hidden); only the zk* functions
 * declared by zk_app_utils.h are exported.
 */
#ifndef ZK_INTERNAL_H
#define ZK_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#pragma GCC visibility push(default)
#include "zk_app_utils.h"
#pragma GCC visibility pop

/* ---- limits of the wire protocol (softscm.service.protocol / framing / client) ---- */

/* Version of the frame layout: requests are [version, id, op, {args}]. */
#define ZK_FRAME_VERSION 2
/* Largest frame either side accepts (framing.MAX_FRAME_BYTES). */
#define ZK_MAX_FRAME_BYTES (4u << 20)
/* Data or a blob up to this size is locked/unlocked in one call (SINGLE_CALL_BYTES). */
#define ZK_SINGLE_CALL_BYTES (2u << 20)
/* Chunk of a lock/unlock stream (STREAM_CHUNK). */
#define ZK_STREAM_CHUNK (1u << 20)
/* Largest random_bytes request (_RANDOM_CHUNK). */
#define ZK_RANDOM_CHUNK (1u << 20)

/* Error statuses of answers that the library treats apart (softscm.errors.Status). */
#define ZK_STATUS_OK 0
#define ZK_STATUS_INVALID_ARGUMENT 1
#define ZK_STATUS_VERIFICATION_FAILED 16
#define ZK_STATUS_PROTOCOL_ERROR 21
#define ZK_STATUS_CONNECTION_ERROR 22

/* ---- growable byte buffer and msgpack writer ---- */

typedef struct zk_buf {
    uint8_t* data;
    size_t len;
    size_t cap;
    bool oom;          /* an allocation failed: the buffer is unusable */
    size_t map_at;     /* offset of the args map header (map16), 0 if none */
    uint16_t map_count;
} zk_buf;

void zk_buf_free(zk_buf* b);
void zk_buf_put(zk_buf* b, const void* p, size_t n);

void mp_w_nil(zk_buf* b);
void mp_w_bool(zk_buf* b, bool v);
void mp_w_int(zk_buf* b, int64_t v);
void mp_w_uint32_fixed(zk_buf* b, uint32_t v);
void mp_w_double(zk_buf* b, double v);
void mp_w_strn(zk_buf* b, const char* s, size_t n);
void mp_w_str(zk_buf* b, const char* s);
void mp_w_bin(zk_buf* b, const uint8_t* p, size_t n);
void mp_w_array(zk_buf* b, uint32_t n);
void mp_w_map(zk_buf* b, uint32_t n);

/* ---- msgpack reader (a cursor over one frame; no allocation) ---- */

typedef enum mp_type {
    MP_END, MP_NIL, MP_BOOL, MP_INT, MP_FLOAT, MP_STR, MP_BIN, MP_ARRAY, MP_MAP, MP_EXT, MP_BAD
} mp_type;

typedef struct mp_reader {
    const uint8_t* p;
    const uint8_t* end;
} mp_reader;

mp_type mp_peek(const mp_reader* r);
bool mp_r_nil(mp_reader* r);
bool mp_r_bool(mp_reader* r, bool* v);
bool mp_r_int(mp_reader* r, int64_t* v);
bool mp_r_double(mp_reader* r, double* v);
bool mp_r_str(mp_reader* r, const char** s, uint32_t* n);
bool mp_r_bin(mp_reader* r, const uint8_t** p, uint32_t* n);
bool mp_r_array(mp_reader* r, uint32_t* n);
bool mp_skip(mp_reader* r);

/* ---- requests and answers ---- */

/* Start a request frame for operation `op`; arguments follow with zk_arg_*. */
void zk_req(zk_buf* b, const char* op);
void zk_arg_int(zk_buf* b, const char* name, int64_t v);
void zk_arg_bool(zk_buf* b, const char* name, bool v);
void zk_arg_double(zk_buf* b, const char* name, double v);
void zk_arg_str(zk_buf* b, const char* name, const char* v);
void zk_arg_bin(zk_buf* b, const char* name, const uint8_t* p, size_t n);

typedef struct zk_ans {
    uint8_t* frame;    /* the answer frame, owned; NULL when there is none */
    mp_reader result;  /* positioned at the result of a successful call */
    int status;        /* the answer's status (0 for success) */
} zk_ans;

/* The library's view of a context (zkCTX points to one). */
typedef struct zk_context zk_context;

/* The context behind `ctx`, or NULL if it is not one (NULL, closed). */
zk_context* zk_ctx(zkCTX ctx);

/*
 * Send the request `req` (consumed: freed in every case) and read its answer. Returns
 * 0 with `ans->result` at the result, or a negative code: the answer's rc for an error
 * frame (-EINVAL when it is not negative; `ans->status` tells which error), -111 when
 * the daemon cannot be reached or the connection broke, -71 for a malformed answer or
 * an answer to another request (the connection is dropped).
 * zk_ans_free(ans) in every case.
 */
int zk_call(zk_context* c, zk_buf* req, zk_ans* ans);
void zk_ans_free(zk_ans* ans);

/* A call whose result is ignored. */
int zk_call_void(zk_context* c, zk_buf* req);
/* A call whose result is an int (fits an int), a bool, a float, a str (malloc'ed,
 * NUL-terminated) or bytes (malloc'ed; never NULL on success). */
int zk_call_int(zk_context* c, zk_buf* req, int* out);
int zk_call_bool(zk_context* c, zk_buf* req, bool* out);
int zk_call_float(zk_context* c, zk_buf* req, float* out);
int zk_call_str(zk_context* c, zk_buf* req, char** out);
int zk_call_bytes(zk_context* c, zk_buf* req, uint8_t** out, size_t* out_len);

/* The host context string of a context (16 hex digits), for waits. */
const char* zk_host_context(const zk_context* c);

/* ---- helpers ---- */

#define ZK_EPROTO (-EPROTO)             /* -71: malformed answer */
#define ZK_ECONN  (-ECONNREFUSED)       /* -111: daemon unreachable */

/* A copy of `n` bytes in a new allocation (at least one byte), NULL when out of memory. */
uint8_t* zk_memdup(const uint8_t* p, size_t n);
/* A NUL-terminated copy of `n` bytes, NULL when out of memory. */
char* zk_strndup(const char* s, size_t n);

/* Wire names of the C enums, NULL when out of range. */
const char* zk_key_type_name(int type);
const char* zk_kdf_name(int kdf);
const char* zk_axis_name(int axis);

/* ---- client-side files (softscm.client.files) ---- */

/* Read a whole file into a new allocation; 0 or -errno. */
int zk_read_file(const char* path, uint8_t** data, size_t* len);

/* A file written beside its target and renamed over it only on commit. */
typedef struct zk_atomic {
    int fd;
    char* tmp;
    char* target;
} zk_atomic;

int zk_atomic_open(zk_atomic* a, const char* path);
int zk_atomic_write(zk_atomic* a, const void* data, size_t n);
int zk_atomic_commit(zk_atomic* a);   /* fsync, chmod, rename; the temp file is gone */
void zk_atomic_abort(zk_atomic* a);   /* the temp file is removed, target untouched */
int zk_write_file(const char* path, const void* data, size_t n);

/* ---- SHA-256 (supervised boot digests) ---- */

typedef struct zk_sha256 {
    uint32_t h[8];
    uint64_t len;
    uint8_t block[64];
    size_t used;
} zk_sha256;

void zk_sha256_init(zk_sha256* s);
void zk_sha256_update(zk_sha256* s, const uint8_t* p, size_t n);
void zk_sha256_final(zk_sha256* s, uint8_t out[32]);

#endif /* ZK_INTERNAL_H */
