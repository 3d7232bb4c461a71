/*
 * The connection to the softscm daemon: socket discovery (softscm.client.locate), one
 * connection per context, length-prefixed msgpack frames with request ids
 * (softscm.service.protocol, framing), and zkOpen / zkClose.
 *
 * A broken exchange (the daemon gone, a short read, an answer to another request) drops
 * the connection, so no stale answer is ever read as a new one; the next call connects
 * again to the same socket path (also in a child after fork()).
 */
#include "internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* The system daemon's socket (systemd unit). */
#define ZK_SYSTEM_SOCKET "/run/softscm/softscm.sock"
/* Marks a live context. */
#define ZK_CTX_MAGIC 0x7a6b6374u

struct zk_context {
    uint32_t magic;
    int fd;                  /* -1 when not connected */
    pid_t pid;               /* the process that made `fd` */
    uint32_t last_id;        /* request ids: a per-connection counter */
    pthread_mutex_t lock;    /* one exchange at a time */
    char host_context[17];   /* 16 hex digits: this context's host session */
    char path[sizeof(((struct sockaddr_un*)0)->sun_path)];
};

/* ---- small helpers ---- */

uint8_t* zk_memdup(const uint8_t* p, size_t n)
{
    uint8_t* out = malloc(n ? n : 1);
    if (out != NULL && n)
        memcpy(out, p, n);
    return out;
}

char* zk_strndup(const char* s, size_t n)
{
    char* out = malloc(n + 1);
    if (out == NULL)
        return NULL;
    if (n)
        memcpy(out, s, n);
    out[n] = '\0';
    return out;
}

const char* zk_key_type_name(int type)
{
    static const char* const names[] = {"nistp256", "secp256k1", "ed25519", "x25519"};
    return type >= 0 && type < 4 ? names[type] : NULL;
}

const char* zk_kdf_name(int kdf)
{
    static const char* const names[] = {"rfc5869-sha256", "rfc5869-sha512", "pbkdf2-sha256",
                                        "pbkdf2-sha512"};
    return kdf >= 0 && kdf < 4 ? names[kdf] : NULL;
}

const char* zk_axis_name(int axis)
{
    static const char* const names[] = {"x", "y", "z", "all"};
    return axis >= 0 && axis < 4 ? names[axis] : NULL;
}

const char* zk_host_context(const zk_context* c)
{
    return c->host_context;
}

zk_context* zk_ctx(zkCTX ctx)
{
    zk_context* c = ctx;
    return c != NULL && c->magic == ZK_CTX_MAGIC ? c : NULL;
}

/* ---- discovery ---- */

static bool socket_exists(const char* path)
{
    struct stat st;
    return path[0] != '\0' && stat(path, &st) == 0;
}

/* The socket the Python client would use: $SOFTSCM_SOCKET if set and non-empty, then
 * $XDG_RUNTIME_DIR/softscm/softscm.sock, then the system socket; the first that exists.
 * 0, or -111 when none exists (no daemon: C has no embedded module). */
static int locate(char* out, size_t size)
{
    char candidate[4096];
    const char* env = getenv("SOFTSCM_SOCKET");
    if (env != NULL && env[0] != '\0') {
        if (socket_exists(env))
            return snprintf(out, size, "%s", env) < (int)size ? 0 : ZK_ECONN;
    }
    const char* runtime = getenv("XDG_RUNTIME_DIR");
    if (runtime != NULL && runtime[0] != '\0') {
        int n = snprintf(candidate, sizeof(candidate), "%s/softscm/softscm.sock", runtime);
        if (n > 0 && (size_t)n < sizeof(candidate) && socket_exists(candidate))
            return (size_t)n < size ? (memcpy(out, candidate, (size_t)n + 1), 0) : ZK_ECONN;
    }
    if (socket_exists(ZK_SYSTEM_SOCKET))
        return snprintf(out, size, "%s", ZK_SYSTEM_SOCKET) < (int)size ? 0 : ZK_ECONN;
    return ZK_ECONN;
}

/* ---- the connection (called with the context's lock held) ---- */

/* Close the connection. In a child after fork() this closes only the child's copy of
 * the descriptor: the parent's connection stays open and in step. */
static void drop(zk_context* c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

static int connect_to(zk_context* c)
{
    if (c->fd >= 0 && c->pid == getpid())
        return 0;
    drop(c); /* after fork(): never speak on the parent's connection */
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return errno == ENOMEM || errno == ENOBUFS ? -ENOMEM : ZK_ECONN;
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, c->path, sizeof(addr.sun_path));
    int rc;
    do {
        rc = connect(fd, (struct sockaddr*)&addr, sizeof(addr));
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) {
        close(fd);
        return ZK_ECONN;
    }
    c->fd = fd;
    c->pid = getpid();
    c->last_id = 0;
    return 0;
}

static int send_all(int fd, const uint8_t* p, size_t n)
{
    while (n > 0) {
        ssize_t sent = send(fd, p, n, MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += sent;
        n -= (size_t)sent;
    }
    return 0;
}

/* 1 when all `n` bytes came, 0 at the end of the stream, -1 on an error. */
static int recv_all(int fd, uint8_t* p, size_t n)
{
    while (n > 0) {
        ssize_t got = recv(fd, p, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (got == 0)
            return 0;
        p += got;
        n -= (size_t)got;
    }
    return 1;
}

/* ---- requests ---- */

/* The id goes at a fixed offset: 4 (length prefix) + 1 (array header) + 1 (version). */
#define ZK_ID_AT 6

void zk_req(zk_buf* b, const char* op)
{
    memset(b, 0, sizeof(*b));
    static const uint8_t prefix[4] = {0, 0, 0, 0};
    zk_buf_put(b, prefix, sizeof(prefix));
    mp_w_array(b, 4);
    mp_w_int(b, ZK_FRAME_VERSION);
    mp_w_uint32_fixed(b, 0); /* the id, set when the request is sent */
    mp_w_str(b, op);
    b->map_at = b->len;
    static const uint8_t map16[3] = {0xde, 0, 0};
    zk_buf_put(b, map16, sizeof(map16));
}

static void arg_name(zk_buf* b, const char* name)
{
    b->map_count++;
    mp_w_str(b, name);
}

void zk_arg_int(zk_buf* b, const char* name, int64_t v)
{
    arg_name(b, name);
    mp_w_int(b, v);
}

void zk_arg_bool(zk_buf* b, const char* name, bool v)
{
    arg_name(b, name);
    mp_w_bool(b, v);
}

void zk_arg_double(zk_buf* b, const char* name, double v)
{
    arg_name(b, name);
    mp_w_double(b, v);
}

void zk_arg_str(zk_buf* b, const char* name, const char* v)
{
    arg_name(b, name);
    mp_w_str(b, v);
}

void zk_arg_bin(zk_buf* b, const char* name, const uint8_t* p, size_t n)
{
    arg_name(b, name);
    mp_w_bin(b, p, n);
}

static void put_be32(uint8_t* p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Send the request with a new id and read one answer frame. 0 with the frame, or a
 * negative code after which the connection is dropped. */
static int exchange(zk_context* c, zk_buf* req, uint32_t* id, uint8_t** frame, size_t* len)
{
    int rc = connect_to(c);
    if (rc < 0)
        return rc;
    c->last_id = c->last_id == UINT32_MAX ? 1 : c->last_id + 1;
    *id = c->last_id;
    put_be32(req->data + ZK_ID_AT + 1, *id);
    if (send_all(c->fd, req->data, req->len) < 0) {
        drop(c);
        return ZK_ECONN;
    }
    uint8_t prefix[4];
    int got = recv_all(c->fd, prefix, sizeof(prefix));
    if (got <= 0) {
        drop(c);
        return ZK_ECONN;
    }
    size_t n = ((size_t)prefix[0] << 24) | ((size_t)prefix[1] << 16) | ((size_t)prefix[2] << 8) |
               prefix[3];
    if (n > ZK_MAX_FRAME_BYTES) {
        drop(c);
        return ZK_EPROTO;
    }
    uint8_t* body = malloc(n ? n : 1);
    if (body == NULL) {
        drop(c); /* the answer is not read: the stream cannot be trusted any more */
        return -ENOMEM;
    }
    got = recv_all(c->fd, body, n);
    if (got <= 0) {
        free(body);
        drop(c);
        return ZK_ECONN;
    }
    *frame = body;
    *len = n;
    return 0;
}

void zk_ans_free(zk_ans* ans)
{
    free(ans->frame);
    memset(ans, 0, sizeof(*ans));
}

int zk_call(zk_context* c, zk_buf* req, zk_ans* ans)
{
    memset(ans, 0, sizeof(*ans));
    if (req->oom) {
        zk_buf_free(req);
        return -ENOMEM;
    }
    size_t body = req->len - 4;
    if (body > ZK_MAX_FRAME_BYTES) {
        zk_buf_free(req);
        return -EINVAL;
    }
    put_be32(req->data, (uint32_t)body);
    req->data[req->map_at + 1] = (uint8_t)(req->map_count >> 8);
    req->data[req->map_at + 2] = (uint8_t)req->map_count;

    uint32_t id = 0;
    uint8_t* frame = NULL;
    size_t len = 0;
    pthread_mutex_lock(&c->lock);
    int rc = exchange(c, req, &id, &frame, &len);
    zk_buf_free(req);
    if (rc < 0) {
        pthread_mutex_unlock(&c->lock);
        return rc;
    }

    /* [id, 0, result] or [id, status, message, rc], nothing after it; an answer to
     * another request (an error answer may carry id 0: the daemon could not read ours)
     * means the connection is out of step (protocol.decode_response). */
    mp_reader r = {frame, frame + len};
    mp_reader whole = r;
    uint32_t n = 0;
    int64_t answer_id = -1, status = -1, code = 0;
    const char* message;
    uint32_t message_len;
    bool ok = mp_skip(&whole) && whole.p == whole.end && mp_r_array(&r, &n) &&
              (n == 3 || n == 4) && mp_r_int(&r, &answer_id) && mp_r_int(&r, &status);
    if (ok && n == 3)
        ok = status == ZK_STATUS_OK && answer_id == (int64_t)id;
    else if (ok)
        ok = status != ZK_STATUS_OK && (answer_id == (int64_t)id || answer_id == 0) &&
             mp_r_str(&r, &message, &message_len) && mp_r_int(&r, &code);
    if (!ok || status == ZK_STATUS_PROTOCOL_ERROR || status == ZK_STATUS_CONNECTION_ERROR)
        drop(c);
    if (!ok) {
        pthread_mutex_unlock(&c->lock);
        free(frame);
        return ZK_EPROTO;
    }
    pthread_mutex_unlock(&c->lock);

    ans->frame = frame;
    ans->status = (int)status;
    if (n == 3) {
        ans->result = r;
        return 0;
    }
    return code < 0 && code >= INT32_MIN ? (int)code : -EINVAL;
}

/* ---- typed calls ---- */

int zk_call_void(zk_context* c, zk_buf* req)
{
    zk_ans ans;
    int rc = zk_call(c, req, &ans);
    zk_ans_free(&ans);
    return rc;
}

int zk_call_int(zk_context* c, zk_buf* req, int* out)
{
    zk_ans ans;
    int64_t v;
    int rc = zk_call(c, req, &ans);
    if (rc == 0)
        rc = mp_r_int(&ans.result, &v) && v >= INT32_MIN && v <= INT32_MAX ? 0 : ZK_EPROTO;
    if (rc == 0)
        *out = (int)v;
    zk_ans_free(&ans);
    return rc;
}

int zk_call_bool(zk_context* c, zk_buf* req, bool* out)
{
    zk_ans ans;
    int rc = zk_call(c, req, &ans);
    if (rc == 0 && !mp_r_bool(&ans.result, out))
        rc = ZK_EPROTO;
    zk_ans_free(&ans);
    return rc;
}

int zk_call_float(zk_context* c, zk_buf* req, float* out)
{
    zk_ans ans;
    double v;
    int rc = zk_call(c, req, &ans);
    if (rc == 0)
        rc = mp_r_double(&ans.result, &v) ? 0 : ZK_EPROTO;
    if (rc == 0)
        *out = (float)v;
    zk_ans_free(&ans);
    return rc;
}

int zk_call_str(zk_context* c, zk_buf* req, char** out)
{
    zk_ans ans;
    const char* s;
    uint32_t n;
    int rc = zk_call(c, req, &ans);
    if (rc == 0)
        rc = mp_r_str(&ans.result, &s, &n) ? 0 : ZK_EPROTO;
    if (rc == 0) {
        *out = zk_strndup(s, n);
        rc = *out ? 0 : -ENOMEM;
    }
    zk_ans_free(&ans);
    return rc;
}

int zk_call_bytes(zk_context* c, zk_buf* req, uint8_t** out, size_t* out_len)
{
    zk_ans ans;
    const uint8_t* p;
    uint32_t n;
    int rc = zk_call(c, req, &ans);
    if (rc == 0)
        rc = mp_r_bin(&ans.result, &p, &n) ? 0 : ZK_EPROTO;
    if (rc == 0) {
        *out = zk_memdup(p, n);
        *out_len = n;
        rc = *out ? 0 : -ENOMEM;
    }
    zk_ans_free(&ans);
    return rc;
}

/* ---- zkOpen / zkClose ---- */

static int random_context(char out[17])
{
    uint8_t raw[8];
    size_t got = 0;
    while (got < sizeof(raw)) {
        ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        got += (size_t)n;
    }
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof(raw); i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[16] = '\0';
    return 0;
}

int zkOpen(zkCTX* ctx)
{
    if (ctx == NULL)
        return -EINVAL;
    *ctx = NULL;
    zk_context* c = calloc(1, sizeof(*c));
    if (c == NULL)
        return -ENOMEM;
    c->fd = -1;
    int rc = locate(c->path, sizeof(c->path));
    if (rc == 0)
        rc = random_context(c->host_context);
    if (rc == 0 && pthread_mutex_init(&c->lock, NULL) != 0)
        rc = -ENOMEM;
    else if (rc == 0) {
        c->magic = ZK_CTX_MAGIC;
        pthread_mutex_lock(&c->lock);
        rc = connect_to(c);
        pthread_mutex_unlock(&c->lock);
        if (rc == 0) {
            zk_buf req;
            zk_req(&req, "session_open");
            zk_arg_str(&req, "context", c->host_context);
            rc = zk_call_void(c, &req);
        }
        if (rc < 0) {
            drop(c);
            c->magic = 0;
            pthread_mutex_destroy(&c->lock);
        }
    }
    if (rc < 0) {
        free(c);
        return rc;
    }
    *ctx = c;
    return 0;
}

int zkClose(zkCTX ctx)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL)
        return -EINVAL;
    /* The daemon forgets the host session; a daemon that is gone is no failure. */
    zk_buf req;
    zk_req(&req, "session_close");
    zk_arg_str(&req, "context", c->host_context);
    (void)zk_call_void(c, &req);
    pthread_mutex_lock(&c->lock);
    drop(c);
    c->magic = 0;
    pthread_mutex_unlock(&c->lock);
    pthread_mutex_destroy(&c->lock);
    free(c);
    return 0;
}
