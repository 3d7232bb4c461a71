/*
 * A small msgpack codec: the writer of request frames and a cursor over answer frames.
 * Only what softscm's frames use (nil, bool, int, float64, str, bin, array, map); ext
 * values are skipped but never produced.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Deepest nesting mp_skip follows (answers are a few levels deep). */
#define MP_MAX_DEPTH 32

void zk_buf_free(zk_buf* b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

static bool reserve(zk_buf* b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->len + extra <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra) {
        if (cap > SIZE_MAX / 2) {
            b->oom = true;
            return false;
        }
        cap *= 2;
    }
    uint8_t* data = realloc(b->data, cap);
    if (data == NULL) {
        b->oom = true;
        return false;
    }
    b->data = data;
    b->cap = cap;
    return true;
}

void zk_buf_put(zk_buf* b, const void* p, size_t n)
{
    if (n == 0 || !reserve(b, n))
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_u8(zk_buf* b, uint8_t v)
{
    zk_buf_put(b, &v, 1);
}

static void put_be(zk_buf* b, uint8_t tag, uint64_t v, int bytes)
{
    uint8_t out[9];
    out[0] = tag;
    for (int i = 0; i < bytes; i++)
        out[1 + i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
    zk_buf_put(b, out, (size_t)bytes + 1);
}

void mp_w_nil(zk_buf* b)
{
    put_u8(b, 0xc0);
}

void mp_w_bool(zk_buf* b, bool v)
{
    put_u8(b, v ? 0xc3 : 0xc2);
}

void mp_w_int(zk_buf* b, int64_t v)
{
    if (v >= 0) {
        uint64_t u = (uint64_t)v;
        if (u < 128)
            put_u8(b, (uint8_t)u);
        else if (u <= 0xff)
            put_be(b, 0xcc, u, 1);
        else if (u <= 0xffff)
            put_be(b, 0xcd, u, 2);
        else if (u <= 0xffffffffu)
            put_be(b, 0xce, u, 4);
        else
            put_be(b, 0xcf, u, 8);
    } else if (v >= -32) {
        put_u8(b, (uint8_t)(int8_t)v);
    } else if (v >= INT8_MIN) {
        put_be(b, 0xd0, (uint64_t)v, 1);
    } else if (v >= INT16_MIN) {
        put_be(b, 0xd1, (uint64_t)v, 2);
    } else if (v >= INT32_MIN) {
        put_be(b, 0xd2, (uint64_t)v, 4);
    } else {
        put_be(b, 0xd3, (uint64_t)v, 8);
    }
}

void mp_w_uint32_fixed(zk_buf* b, uint32_t v)
{
    put_be(b, 0xce, v, 4);
}

void mp_w_double(zk_buf* b, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof(u));
    put_be(b, 0xcb, u, 8);
}

void mp_w_strn(zk_buf* b, const char* s, size_t n)
{
    if (n > 0xffffffffu) {
        b->oom = true;
        return;
    }
    if (n < 32)
        put_u8(b, (uint8_t)(0xa0 | n));
    else if (n <= 0xff)
        put_be(b, 0xd9, n, 1);
    else if (n <= 0xffff)
        put_be(b, 0xda, n, 2);
    else
        put_be(b, 0xdb, n, 4);
    zk_buf_put(b, s, n);
}

void mp_w_str(zk_buf* b, const char* s)
{
    mp_w_strn(b, s, strlen(s));
}

void mp_w_bin(zk_buf* b, const uint8_t* p, size_t n)
{
    if (n > 0xffffffffu) {
        b->oom = true;
        return;
    }
    if (n <= 0xff)
        put_be(b, 0xc4, n, 1);
    else if (n <= 0xffff)
        put_be(b, 0xc5, n, 2);
    else
        put_be(b, 0xc6, n, 4);
    zk_buf_put(b, p, n);
}

void mp_w_array(zk_buf* b, uint32_t n)
{
    if (n < 16)
        put_u8(b, (uint8_t)(0x90 | n));
    else if (n <= 0xffff)
        put_be(b, 0xdc, n, 2);
    else
        put_be(b, 0xdd, n, 4);
}

void mp_w_map(zk_buf* b, uint32_t n)
{
    if (n < 16)
        put_u8(b, (uint8_t)(0x80 | n));
    else if (n <= 0xffff)
        put_be(b, 0xde, n, 2);
    else
        put_be(b, 0xdf, n, 4);
}

/* ---- reader ---- */

static uint64_t be(const uint8_t* p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = (v << 8) | p[i];
    return v;
}

mp_type mp_peek(const mp_reader* r)
{
    if (r->p >= r->end)
        return MP_END;
    uint8_t t = *r->p;
    if (t <= 0x7f || t >= 0xe0)
        return MP_INT;
    if (t <= 0x8f)
        return MP_MAP;
    if (t <= 0x9f)
        return MP_ARRAY;
    if (t <= 0xbf)
        return MP_STR;
    switch (t) {
    case 0xc0:
        return MP_NIL;
    case 0xc2:
    case 0xc3:
        return MP_BOOL;
    case 0xc4:
    case 0xc5:
    case 0xc6:
        return MP_BIN;
    case 0xc7:
    case 0xc8:
    case 0xc9:
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8:
        return MP_EXT;
    case 0xca:
    case 0xcb:
        return MP_FLOAT;
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf:
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3:
        return MP_INT;
    case 0xd9:
    case 0xda:
    case 0xdb:
        return MP_STR;
    case 0xdc:
    case 0xdd:
        return MP_ARRAY;
    case 0xde:
    case 0xdf:
        return MP_MAP;
    default:
        return MP_BAD;
    }
}

/* The tag byte plus `bytes` of big-endian value after it, if they are in the frame. */
static bool take(mp_reader* r, int bytes, uint64_t* v)
{
    if (r->end - r->p < 1 + bytes)
        return false;
    *v = be(r->p + 1, bytes);
    r->p += 1 + bytes;
    return true;
}

bool mp_r_nil(mp_reader* r)
{
    if (mp_peek(r) != MP_NIL)
        return false;
    r->p++;
    return true;
}

bool mp_r_bool(mp_reader* r, bool* v)
{
    if (mp_peek(r) != MP_BOOL)
        return false;
    *v = *r->p == 0xc3;
    r->p++;
    return true;
}

bool mp_r_int(mp_reader* r, int64_t* v)
{
    if (mp_peek(r) != MP_INT)
        return false;
    uint8_t t = *r->p;
    uint64_t u;
    if (t <= 0x7f || t >= 0xe0) {
        *v = (int8_t)t;
        r->p++;
        return true;
    }
    switch (t) {
    case 0xcc:
        if (!take(r, 1, &u))
            return false;
        *v = (int64_t)u;
        return true;
    case 0xcd:
        if (!take(r, 2, &u))
            return false;
        *v = (int64_t)u;
        return true;
    case 0xce:
        if (!take(r, 4, &u))
            return false;
        *v = (int64_t)u;
        return true;
    case 0xcf:
        if (r->end - r->p < 9 || be(r->p + 1, 8) > (uint64_t)INT64_MAX)
            return false;
        return take(r, 8, &u) && ((*v = (int64_t)u), true);
    case 0xd0:
        if (!take(r, 1, &u))
            return false;
        *v = (int8_t)u;
        return true;
    case 0xd1:
        if (!take(r, 2, &u))
            return false;
        *v = (int16_t)u;
        return true;
    case 0xd2:
        if (!take(r, 4, &u))
            return false;
        *v = (int32_t)u;
        return true;
    default: /* 0xd3 */
        if (!take(r, 8, &u))
            return false;
        *v = (int64_t)u;
        return true;
    }
}

bool mp_r_double(mp_reader* r, double* v)
{
    mp_type type = mp_peek(r);
    if (type == MP_INT) {
        int64_t i;
        if (!mp_r_int(r, &i))
            return false;
        *v = (double)i;
        return true;
    }
    if (type != MP_FLOAT)
        return false;
    uint64_t u;
    if (*r->p == 0xca) {
        if (!take(r, 4, &u))
            return false;
        uint32_t u32 = (uint32_t)u;
        float f;
        memcpy(&f, &u32, sizeof(f));
        *v = f;
        return true;
    }
    if (!take(r, 8, &u))
        return false;
    memcpy(v, &u, sizeof(*v));
    return true;
}

/* The length of a str/bin/array/map/ext header, then the payload pointer. */
static bool sized(mp_reader* r, uint8_t small_base, uint8_t small_mask, uint8_t tag8,
                  uint8_t tag16, uint8_t tag32, uint32_t* n)
{
    uint8_t t = *r->p;
    uint64_t u;
    if (small_mask && (t & (uint8_t)~small_mask) == small_base) {
        *n = t & small_mask;
        r->p++;
        return true;
    }
    if (tag8 && t == tag8) {
        if (!take(r, 1, &u))
            return false;
    } else if (t == tag16) {
        if (!take(r, 2, &u))
            return false;
    } else if (t == tag32) {
        if (!take(r, 4, &u))
            return false;
    } else {
        return false;
    }
    *n = (uint32_t)u;
    return true;
}

static bool payload(mp_reader* r, uint32_t n, const uint8_t** p)
{
    if ((uint64_t)(r->end - r->p) < n)
        return false;
    *p = r->p;
    r->p += n;
    return true;
}

bool mp_r_str(mp_reader* r, const char** s, uint32_t* n)
{
    const uint8_t* p;
    if (mp_peek(r) != MP_STR)
        return false;
    mp_reader save = *r;
    if (!sized(r, 0xa0, 0x1f, 0xd9, 0xda, 0xdb, n) || !payload(r, *n, &p)) {
        *r = save;
        return false;
    }
    *s = (const char*)p;
    return true;
}

bool mp_r_bin(mp_reader* r, const uint8_t** p, uint32_t* n)
{
    if (mp_peek(r) != MP_BIN)
        return false;
    mp_reader save = *r;
    if (!sized(r, 0, 0, 0xc4, 0xc5, 0xc6, n) || !payload(r, *n, p)) {
        *r = save;
        return false;
    }
    return true;
}

bool mp_r_array(mp_reader* r, uint32_t* n)
{
    if (mp_peek(r) != MP_ARRAY)
        return false;
    mp_reader save = *r;
    if (!sized(r, 0x90, 0x0f, 0, 0xdc, 0xdd, n)) {
        *r = save;
        return false;
    }
    return true;
}

static bool skip(mp_reader* r, int depth)
{
    uint32_t n;
    uint64_t u;
    const uint8_t* p;
    if (depth > MP_MAX_DEPTH)
        return false;
    switch (mp_peek(r)) {
    case MP_NIL:
    case MP_BOOL:
        r->p++;
        return true;
    case MP_INT: {
        int64_t v;
        if (*r->p == 0xcf)
            return take(r, 8, &u);
        return mp_r_int(r, &v);
    }
    case MP_FLOAT: {
        double d;
        return mp_r_double(r, &d);
    }
    case MP_STR: {
        const char* s;
        return mp_r_str(r, &s, &n);
    }
    case MP_BIN:
        return mp_r_bin(r, &p, &n);
    case MP_ARRAY:
        if (!mp_r_array(r, &n))
            return false;
        for (uint32_t i = 0; i < n; i++)
            if (!skip(r, depth + 1))
                return false;
        return true;
    case MP_MAP:
        if (!sized(r, 0x80, 0x0f, 0, 0xde, 0xdf, &n))
            return false;
        for (uint32_t i = 0; i < n; i++)
            if (!skip(r, depth + 1) || !skip(r, depth + 1))
                return false;
        return true;
    case MP_EXT: {
        uint8_t t = *r->p;
        static const uint8_t fixed[] = {1, 2, 4, 8, 16};
        if (t >= 0xd4 && t <= 0xd8) {
            if (r->end - r->p < 2)
                return false;
            r->p += 2;
            return payload(r, fixed[t - 0xd4], &p);
        }
        int bytes = t == 0xc7 ? 1 : t == 0xc8 ? 2 : 4;
        if (!take(r, bytes, &u) || r->p >= r->end)
            return false;
        r->p++; /* the type byte */
        return payload(r, (uint32_t)u, &p);
    }
    default:
        return false;
    }
}

bool mp_skip(mp_reader* r)
{
    mp_reader save = *r;
    if (skip(r, 0))
        return true;
    *r = save;
    return false;
}
