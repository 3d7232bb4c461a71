/*
 * Random numbers and data lock / unlock (Client.random_bytes, random_file, lock,
 * unlock, lock_file, unlock_file). Data up to ZK_SINGLE_CALL_BYTES goes in one call,
 * larger data and every file-to-file call stream in ZK_STREAM_CHUNK pieces.
 */
#include "internal.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char* lock_key(bool use_shared_key)
{
    return use_shared_key ? "cloud" : "zymkey";
}

/* ---- random ---- */

static int random_chunk(zk_context* c, size_t n, uint8_t** out, size_t* got)
{
    zk_buf req;
    zk_req(&req, "random_bytes");
    zk_arg_int(&req, "num_bytes", (int64_t)n);
    return zk_call_bytes(c, &req, out, got);
}

int zkGetRandBytes(zkCTX ctx, uint8_t** rdata, int rdata_sz)
{
    zk_context* c = zk_ctx(ctx);
    if (rdata != NULL)
        *rdata = NULL;
    if (c == NULL || rdata == NULL || rdata_sz < 0)
        return -EINVAL;
    size_t total = (size_t)rdata_sz;
    uint8_t* out = malloc(total ? total : 1);
    if (out == NULL)
        return -ENOMEM;
    size_t done = 0;
    do {
        size_t want = total - done < ZK_RANDOM_CHUNK ? total - done : ZK_RANDOM_CHUNK;
        uint8_t* part = NULL;
        size_t got = 0;
        int rc = random_chunk(c, want, &part, &got);
        if (rc == 0 && got != want)
            rc = ZK_EPROTO;
        if (rc < 0) {
            free(part);
            free(out);
            return rc;
        }
        memcpy(out + done, part, got);
        free(part);
        done += got;
    } while (done < total);
    *rdata = out;
    return 0;
}

int zkCreateRandDataFile(zkCTX ctx, const char* dst_filename, int rdata_sz)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL || dst_filename == NULL)
        return -EINVAL;
    /* As Client.random_file: the bytes first, then the file. */
    uint8_t* data = NULL;
    int rc = zkGetRandBytes(ctx, &data, rdata_sz);
    if (rc < 0)
        return rc;
    rc = zk_write_file(dst_filename, data, (size_t)rdata_sz);
    free(data);
    return rc;
}

/* ---- where a stream's output goes: memory or an atomic file ---- */

typedef struct sink {
    zk_atomic* file;
    uint8_t* mem;
    size_t len;
    size_t cap;
} sink;

static int sink_put(sink* s, const uint8_t* p, size_t n)
{
    if (s->file != NULL)
        return zk_atomic_write(s->file, p, n);
    if (s->len + n > s->cap) {
        size_t cap = s->cap ? s->cap : ZK_STREAM_CHUNK;
        while (cap < s->len + n)
            cap *= 2;
        uint8_t* mem = realloc(s->mem, cap);
        if (mem == NULL)
            return -ENOMEM;
        s->mem = mem;
        s->cap = cap;
    }
    if (n)
        memcpy(s->mem + s->len, p, n);
    s->len += n;
    return 0;
}

/* A stream step: op with the handle (and a chunk), its bytes into the sink. */
static int stream_step(zk_context* c, const char* op, int64_t handle, const uint8_t* chunk,
                       size_t n, sink* out, int* status)
{
    zk_buf req;
    zk_req(&req, op);
    zk_arg_int(&req, "handle", handle);
    if (chunk != NULL)
        zk_arg_bin(&req, "chunk", chunk, n);
    zk_ans ans;
    int rc = zk_call(c, &req, &ans);
    const uint8_t* p;
    uint32_t len;
    *status = ans.status;
    if (rc == 0)
        rc = mp_r_bin(&ans.result, &p, &len) ? sink_put(out, p, len) : ZK_EPROTO;
    zk_ans_free(&ans);
    return rc;
}

/* Lock or unlock by a stream (stream_open / _update / _finish; stream_abort after a
 * failure), reading from `fd` if it is not negative, else from `data`. `status` is the
 * status of the failed answer (0 if none). */
static int stream(zk_context* c, const char* mode, const char* key, int fd,
                  const uint8_t* data, size_t len, sink* out, int* status)
{
    *status = 0;
    zk_buf req;
    zk_req(&req, "stream_open");
    zk_arg_str(&req, "mode", mode);
    zk_arg_str(&req, "key", key);
    int handle;
    int rc = zk_call_int(c, &req, &handle);
    if (rc < 0)
        return rc;
    uint8_t* chunk = fd >= 0 ? malloc(ZK_STREAM_CHUNK) : NULL;
    if (fd >= 0 && chunk == NULL)
        rc = -ENOMEM;
    size_t at = 0;
    while (rc == 0) {
        const uint8_t* piece;
        size_t n;
        if (fd >= 0) {
            ssize_t got;
            do {
                got = read(fd, chunk, ZK_STREAM_CHUNK);
            } while (got < 0 && errno == EINTR);
            if (got < 0) {
                rc = -errno;
                break;
            }
            piece = chunk;
            n = (size_t)got;
        } else {
            piece = data + at;
            n = len - at < ZK_STREAM_CHUNK ? len - at : ZK_STREAM_CHUNK;
            at += n;
        }
        if (n == 0)
            break;
        rc = stream_step(c, "stream_update", handle, piece, n, out, status);
    }
    free(chunk);
    if (rc == 0)
        rc = stream_step(c, "stream_finish", handle, NULL, 0, out, status);
    else if (rc != ZK_ECONN) {
        zk_buf abort;
        zk_req(&abort, "stream_abort");
        zk_arg_int(&abort, "handle", handle);
        (void)zk_call_void(c, &abort);
    }
    return rc;
}

/* Lock or unlock bytes into a new allocation. */
static int transform(zk_context* c, const char* mode, bool use_shared_key, const uint8_t* data,
                     size_t len, uint8_t** out, size_t* out_len, int* status)
{
    const char* key = lock_key(use_shared_key);
    *status = 0;
    if (len <= ZK_SINGLE_CALL_BYTES) {
        bool locking = strcmp(mode, "lock") == 0;
        zk_buf req;
        zk_req(&req, mode);
        zk_arg_bin(&req, locking ? "data" : "blob", data, len);
        zk_arg_str(&req, "key", key);
        zk_ans ans;
        int rc = zk_call(c, &req, &ans);
        const uint8_t* p;
        uint32_t n;
        *status = ans.status;
        if (rc == 0)
            rc = mp_r_bin(&ans.result, &p, &n) ? 0 : ZK_EPROTO;
        if (rc == 0) {
            *out = zk_memdup(p, n);
            *out_len = n;
            rc = *out != NULL ? 0 : -ENOMEM;
        }
        zk_ans_free(&ans);
        return rc;
    }
    sink s = {NULL, NULL, 0, 0};
    int rc = stream(c, mode, key, -1, data, len, &s, status);
    if (rc < 0) {
        free(s.mem);
        return rc;
    }
    *out = s.mem != NULL ? s.mem : zk_memdup(NULL, 0);
    *out_len = s.len;
    return *out != NULL ? 0 : -ENOMEM;
}

static int file_to_file(zkCTX ctx, const char* mode, const char* src, const char* dst,
                        bool use_shared_key)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL || src == NULL || dst == NULL)
        return -EINVAL;
    int fd;
    do {
        fd = open(src, O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return -errno;
    zk_atomic file;
    int rc = zk_atomic_open(&file, dst);
    if (rc < 0) {
        close(fd);
        return rc;
    }
    sink s = {&file, NULL, 0, 0};
    int status;
    rc = stream(c, mode, lock_key(use_shared_key), fd, NULL, 0, &s, &status);
    close(fd);
    if (rc < 0) {
        zk_atomic_abort(&file);
        return rc;
    }
    return zk_atomic_commit(&file);
}

static bool bad_input(const uint8_t* p, int n)
{
    return n < 0 || (p == NULL && n > 0);
}

static int set_output(uint8_t* data, size_t len, uint8_t** out, int* out_sz)
{
    if (len > INT_MAX) {
        free(data);
        return -EFBIG;
    }
    *out = data;
    *out_sz = (int)len;
    return 0;
}

static int buffer_to_file(zkCTX ctx, const char* mode, const uint8_t* src, int src_sz,
                          const char* dst, bool use_shared_key)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL || bad_input(src, src_sz) || dst == NULL)
        return -EINVAL;
    uint8_t* out = NULL;
    size_t len = 0;
    int status;
    int rc = transform(c, mode, use_shared_key, src, (size_t)src_sz, &out, &len, &status);
    if (rc == 0)
        rc = zk_write_file(dst, out, len);
    free(out);
    return rc;
}

static int file_to_buffer(zkCTX ctx, const char* mode, const char* src, uint8_t** dst,
                          int* dst_sz, bool use_shared_key)
{
    zk_context* c = zk_ctx(ctx);
    if (dst != NULL)
        *dst = NULL;
    if (dst_sz != NULL)
        *dst_sz = 0;
    if (c == NULL || src == NULL || dst == NULL || dst_sz == NULL)
        return -EINVAL;
    uint8_t* in;
    size_t in_len;
    int rc = zk_read_file(src, &in, &in_len);
    if (rc < 0)
        return rc;
    uint8_t* out = NULL;
    size_t len = 0;
    int status;
    rc = transform(c, mode, use_shared_key, in, in_len, &out, &len, &status);
    free(in);
    return rc < 0 ? rc : set_output(out, len, dst, dst_sz);
}

/* Bytes to bytes; ``*status`` is the module's status of a failed call. */
static int buffer_to_buffer(zkCTX ctx, const char* mode, const uint8_t* src, int src_sz,
                            uint8_t** dst, int* dst_sz, bool use_shared_key, int* status)
{
    zk_context* c = zk_ctx(ctx);
    *status = 0;
    if (dst != NULL)
        *dst = NULL;
    if (dst_sz != NULL)
        *dst_sz = 0;
    if (c == NULL || bad_input(src, src_sz) || dst == NULL || dst_sz == NULL)
        return -EINVAL;
    uint8_t* out = NULL;
    size_t len = 0;
    int rc = transform(c, mode, use_shared_key, src, (size_t)src_sz, &out, &len, status);
    return rc < 0 ? rc : set_output(out, len, dst, dst_sz);
}

/* ---- lock ---- */

int zkLockDataF2F(zkCTX ctx, const char* src_pt_filename, const char* dst_ct_filename,
                  bool use_shared_key)
{
    return file_to_file(ctx, "lock", src_pt_filename, dst_ct_filename, use_shared_key);
}

int zkLockDataB2F(zkCTX ctx, const uint8_t* src_pt, int src_pt_sz, const char* dst_ct_filename,
                  bool use_shared_key)
{
    return buffer_to_file(ctx, "lock", src_pt, src_pt_sz, dst_ct_filename, use_shared_key);
}

int zkLockDataF2B(zkCTX ctx, const char* src_pt_filename, uint8_t** dst_ct, int* dst_ct_sz,
                  bool use_shared_key)
{
    return file_to_buffer(ctx, "lock", src_pt_filename, dst_ct, dst_ct_sz, use_shared_key);
}

int zkLockDataB2B(zkCTX ctx, const uint8_t* src_pt, int src_pt_sz, uint8_t** dst_ct,
                  int* dst_ct_sz, bool use_shared_key)
{
    int status;
    return buffer_to_buffer(ctx, "lock", src_pt, src_pt_sz, dst_ct, dst_ct_sz, use_shared_key,
                            &status);
}

/* ---- unlock ---- */

int zkUnlockDataF2F(zkCTX ctx, const char* src_ct_filename, const char* dst_pt_filename,
                    bool use_shared_key)
{
    return file_to_file(ctx, "unlock", src_ct_filename, dst_pt_filename, use_shared_key);
}

int zkUnlockDataB2F(zkCTX ctx, const uint8_t* src_ct, int src_ct_sz, const char* dst_pt_filename,
                    bool use_shared_key)
{
    return buffer_to_file(ctx, "unlock", src_ct, src_ct_sz, dst_pt_filename, use_shared_key);
}

int zkUnlockDataF2B(zkCTX ctx, const char* src_ct_filename, uint8_t** dst_pt, int* dst_pt_sz,
                    bool use_shared_key)
{
    return file_to_buffer(ctx, "unlock", src_ct_filename, dst_pt, dst_pt_sz, use_shared_key);
}

/* 1 with the plaintext, 0 when the blob does not verify (zku reads data only on 1; C2). */
int zkUnlockDataB2B(zkCTX ctx, const uint8_t* src_ct, int src_ct_sz, uint8_t** dst_pt,
                    int* dst_pt_sz, bool use_shared_key)
{
    int status;
    int rc = buffer_to_buffer(ctx, "unlock", src_ct, src_ct_sz, dst_pt, dst_pt_sz,
                              use_shared_key, &status);
    if (rc < 0)
        return status == ZK_STATUS_VERIFICATION_FAILED ? 0 : rc;
    return 1;
}
