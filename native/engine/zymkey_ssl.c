/*
 * zymkey_ssl: an OpenSSL engine that signs with a key slot of the module.
 *
 * openssl and curl load it by id ("-engine zymkey_ssl", "--engine zymkey_ssl"); the
 * key file they name ("nonzymkey.key") is never read. The private key is the P-256 key
 * in slot $ZK_SSL_SLOT (decimal, default 0); its public half comes from zkExportPubKey
 * and every ECDSA signature with it is made by zkGenECDSASigFromDigest, through
 * libzk_app_utils and the softscm daemon.
 *
 * The key is a legacy EC_KEY made with EC_KEY_new_method(engine): OpenSSL 3 treats it
 * as foreign and signs through this engine's EC_KEY_METHOD. That method is OpenSSL's
 * default one with the signing entries replaced; keys that are not the engine's go to
 * the default ones, so "-engine" (which makes the engine the default for everything)
 * leaves other EC keys alone. No RAND, ECDH, ciphers or digests.
 *
 * Build: gcc -std=c99 -Wall -Werror -shared -fPIC -DOPENSSL_API_COMPAT=0x10100000L
 *        zymkey_ssl.c -o zymkey_ssl.so -lcrypto -lzk_app_utils
 */

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "zk_app_utils.h"

static const char engine_id[] = "zymkey_ssl";
static const char engine_name[] = "Zymkey ECDSA P-256 engine (softscm module key slots)";

#define SLOT_ENV "ZK_SSL_SLOT"
#define DIGEST_LEN 32
#define COORD_LEN 32

/* -- errors ------------------------------------------------------------------------ */

#define ZK_R_OPEN_FAILED 100
#define ZK_R_NOT_INITIALISED 101
#define ZK_R_BAD_SLOT 102
#define ZK_R_EXPORT_FAILED 103
#define ZK_R_NOT_P256 104
#define ZK_R_SIGN_FAILED 105
#define ZK_R_BAD_SIGNATURE 106

static int lib_code = 0;
static int strings_loaded = 0;

static ERR_STRING_DATA reason_strings[] = {
    {ZK_R_OPEN_FAILED, "cannot open a context on the module (is softscm serve running?)"},
    {ZK_R_NOT_INITIALISED, "engine not initialised"},
    {ZK_R_BAD_SLOT, "ZK_SSL_SLOT is not a slot number"},
    {ZK_R_EXPORT_FAILED, "cannot read the public key of the slot"},
    {ZK_R_NOT_P256, "the slot does not hold a NIST P-256 key"},
    {ZK_R_SIGN_FAILED, "the module refused to sign"},
    {ZK_R_BAD_SIGNATURE, "the module answered with a malformed signature"},
    {0, NULL},
};

static ERR_STRING_DATA lib_name[] = {
    {0, "zymkey_ssl engine"},
    {0, NULL},
};

static void load_error_strings(void)
{
    if (lib_code == 0)
        lib_code = ERR_get_next_error_library();
    if (!strings_loaded) {
        ERR_load_strings(lib_code, reason_strings);
        lib_name[0].error = ERR_PACK(lib_code, 0, 0); /* a lib entry is never patched */
        ERR_load_strings_const(lib_name);
        strings_loaded = 1;
    }
}

static void unload_error_strings(void)
{
    if (strings_loaded) {
        ERR_unload_strings(lib_code, reason_strings);
        ERR_unload_strings(lib_code, lib_name);
        strings_loaded = 0;
    }
}

/* What a library return code means, for the error queue. */
static const char *rc_text(int rc)
{
    switch (rc) {
    case -ECONNREFUSED: return "daemon unreachable";
    case -EIO: return "module unavailable, unbound or destroyed";
    case -ENOENT: return "empty slot";
    case -EPERM: return "public key export disabled";
    case -EINVAL: return "invalid argument";
    case -EPROTO: return "malformed answer";
    case -ETIMEDOUT: return "timed out";
    case -ENOMEM: return "out of memory";
    default: return "error";
    }
}

#define RAISE(reason, ...) ERR_raise_data(lib_code, (reason), __VA_ARGS__)

/* -- engine state ------------------------------------------------------------------ */

static zkCTX zk_ctx = NULL;
static EC_KEY_METHOD *ec_method = NULL;
static int slot_index = -1; /* EC_KEY ex_data: slot + 1 of the engine's keys, else 0 */

static int (*default_sign)(int type, const unsigned char *dgst, int dlen, unsigned char *sig,
                           unsigned int *siglen, const BIGNUM *kinv, const BIGNUM *r,
                           EC_KEY *eckey) = NULL;
static int (*default_sign_setup)(EC_KEY *eckey, BN_CTX *ctx, BIGNUM **kinvp,
                                 BIGNUM **rp) = NULL;
static ECDSA_SIG *(*default_sign_sig)(const unsigned char *dgst, int dgst_len,
                                      const BIGNUM *in_kinv, const BIGNUM *in_r,
                                      EC_KEY *eckey) = NULL;

/* The slot of one of the engine's keys; 0 for any other key. */
static int key_slot(const EC_KEY *key, int *slot)
{
    intptr_t tagged;

    if (slot_index < 0)
        return 0;
    tagged = (intptr_t)EC_KEY_get_ex_data(key, slot_index);
    if (tagged <= 0)
        return 0;
    *slot = (int)(tagged - 1);
    return 1;
}

/* -- signing ----------------------------------------------------------------------- */

/* The digest as the module takes it: 32 bytes, a shorter one left-padded with zeros, a
 * longer one cut to its first 32 (ECDSA uses the leftmost bits of the order's size). */
static void digest32(const unsigned char *dgst, int dlen, unsigned char out[DIGEST_LEN])
{
    memset(out, 0, DIGEST_LEN);
    if (dlen <= 0)
        return;
    if (dlen >= DIGEST_LEN)
        memcpy(out, dgst, DIGEST_LEN);
    else
        memcpy(out + (DIGEST_LEN - dlen), dgst, (size_t)dlen);
}

static ECDSA_SIG *module_sign(const unsigned char *dgst, int dlen, int slot)
{
    unsigned char digest[DIGEST_LEN];
    uint8_t *raw = NULL;
    int raw_sz = 0;
    int rc;
    BIGNUM *r = NULL, *s = NULL;
    ECDSA_SIG *sig = NULL;

    if (zk_ctx == NULL) {
        RAISE(ZK_R_NOT_INITIALISED, "no module context");
        return NULL;
    }
    digest32(dgst, dlen, digest);
    rc = zkGenECDSASigFromDigest(zk_ctx, digest, slot, &raw, &raw_sz);
    if (rc < 0) {
        RAISE(ZK_R_SIGN_FAILED, "zkGenECDSASigFromDigest(slot %d): %d (%s)", slot, rc,
              rc_text(rc));
        free(raw);
        return NULL;
    }
    if (raw == NULL || raw_sz != 2 * COORD_LEN) {
        RAISE(ZK_R_BAD_SIGNATURE, "signature of %d bytes, not %d", raw_sz, 2 * COORD_LEN);
        free(raw);
        return NULL;
    }
    r = BN_bin2bn(raw, COORD_LEN, NULL);
    s = BN_bin2bn(raw + COORD_LEN, COORD_LEN, NULL);
    free(raw);
    sig = ECDSA_SIG_new();
    if (r == NULL || s == NULL || sig == NULL || !ECDSA_SIG_set0(sig, r, s)) {
        ERR_raise(ERR_LIB_EC, ERR_R_MALLOC_FAILURE);
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(sig);
        return NULL;
    }
    return sig;
}

static ECDSA_SIG *engine_sign_sig(const unsigned char *dgst, int dgst_len, const BIGNUM *in_kinv,
                                  const BIGNUM *in_r, EC_KEY *eckey)
{
    int slot;

    if (!key_slot(eckey, &slot))
        return default_sign_sig(dgst, dgst_len, in_kinv, in_r, eckey);
    return module_sign(dgst, dgst_len, slot);
}

static int engine_sign(int type, const unsigned char *dgst, int dlen, unsigned char *sig,
                       unsigned int *siglen, const BIGNUM *kinv, const BIGNUM *r, EC_KEY *eckey)
{
    int slot, len;
    unsigned char *out = sig;
    ECDSA_SIG *made;

    if (!key_slot(eckey, &slot))
        return default_sign(type, dgst, dlen, sig, siglen, kinv, r, eckey);
    *siglen = 0;
    made = module_sign(dgst, dlen, slot);
    if (made == NULL)
        return 0;
    len = i2d_ECDSA_SIG(made, &out);
    ECDSA_SIG_free(made);
    if (len <= 0)
        return 0;
    *siglen = (unsigned int)len;
    return 1;
}

/* The module draws its own nonce: nothing to set up for the engine's keys. */
static int engine_sign_setup(EC_KEY *eckey, BN_CTX *ctx, BIGNUM **kinvp, BIGNUM **rp)
{
    int slot;

    if (!key_slot(eckey, &slot))
        return default_sign_setup(eckey, ctx, kinvp, rp);
    return 1;
}

/* -- the key ----------------------------------------------------------------------- */

/* ZK_SSL_SLOT, decimal; 0 when unset or empty. */
static int slot_from_env(int *slot)
{
    const char *text = getenv(SLOT_ENV);
    char *end = NULL;
    long value;

    if (text == NULL || *text == '\0') {
        *slot = 0;
        return 1;
    }
    errno = 0;
    value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < 0 || value >= INT_MAX) {
        RAISE(ZK_R_BAD_SLOT, SLOT_ENV "=%s", text);
        return 0;
    }
    *slot = (int)value;
    return 1;
}

/* An EC_KEY of this engine on P-256 with the public point X||Y and the slot attached. */
static EC_KEY *engine_key(ENGINE *e, const uint8_t *xy, int slot)
{
    unsigned char point[1 + 2 * COORD_LEN];
    EC_KEY *key = EC_KEY_new_method(e);
    EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);

    if (key == NULL || group == NULL || !EC_KEY_set_group(key, group)) {
        ERR_raise(ERR_LIB_EC, ERR_R_MALLOC_FAILURE);
        goto fail;
    }
    point[0] = POINT_CONVERSION_UNCOMPRESSED;
    memcpy(point + 1, xy, 2 * COORD_LEN);
    /* oct2key refuses a point off the curve: a secp256k1 key of the same size too. */
    if (!EC_KEY_oct2key(key, point, sizeof point, NULL)) {
        RAISE(ZK_R_NOT_P256, "slot %d", slot);
        goto fail;
    }
    if (!EC_KEY_set_ex_data(key, slot_index, (void *)(intptr_t)(slot + 1)))
        goto fail;
    EC_GROUP_free(group);
    return key;
fail:
    EC_GROUP_free(group);
    EC_KEY_free(key);
    return NULL;
}

static EVP_PKEY *load_privkey(ENGINE *e, const char *key_id, UI_METHOD *ui_method,
                              void *callback_data)
{
    int slot, rc, pk_sz = 0;
    uint8_t *pk = NULL;
    EC_KEY *key;
    EVP_PKEY *pkey;

    (void)key_id; /* the placeholder file name: never read */
    (void)ui_method;
    (void)callback_data;
    if (zk_ctx == NULL) {
        RAISE(ZK_R_NOT_INITIALISED, "load the engine with -engine / --engine first");
        return NULL;
    }
    if (!slot_from_env(&slot))
        return NULL;
    rc = zkExportPubKey(zk_ctx, &pk, &pk_sz, slot, false);
    if (rc < 0) {
        RAISE(ZK_R_EXPORT_FAILED, "zkExportPubKey(slot %d): %d (%s)", slot, rc, rc_text(rc));
        free(pk);
        return NULL;
    }
    if (pk == NULL || pk_sz != 2 * COORD_LEN) {
        RAISE(ZK_R_NOT_P256, "slot %d: a public key of %d bytes", slot, pk_sz);
        free(pk);
        return NULL;
    }
    key = engine_key(e, pk, slot);
    free(pk);
    if (key == NULL)
        return NULL;
    pkey = EVP_PKEY_new();
    if (pkey == NULL || !EVP_PKEY_assign_EC_KEY(pkey, key)) {
        ERR_raise(ERR_LIB_EVP, ERR_R_MALLOC_FAILURE);
        EVP_PKEY_free(pkey);
        EC_KEY_free(key);
        return NULL;
    }
    return pkey;
}

/* -- engine life ------------------------------------------------------------------- */

static int engine_init(ENGINE *e)
{
    int rc;

    (void)e;
    if (zk_ctx != NULL)
        return 1;
    rc = zkOpen(&zk_ctx);
    if (rc < 0) {
        zk_ctx = NULL;
        RAISE(ZK_R_OPEN_FAILED, "zkOpen: %d (%s)", rc, rc_text(rc));
        return 0;
    }
    return 1;
}

static int engine_finish(ENGINE *e)
{
    (void)e;
    if (zk_ctx != NULL) {
        zkClose(zk_ctx);
        zk_ctx = NULL;
    }
    return 1;
}

static int engine_destroy(ENGINE *e)
{
    (void)e;
    EC_KEY_METHOD_free(ec_method);
    ec_method = NULL;
    unload_error_strings();
    return 1;
}

static int bind_helper(ENGINE *e, const char *id)
{
    if (id != NULL && strcmp(id, engine_id) != 0)
        return 0;
    load_error_strings();
    if (slot_index < 0) {
        slot_index = EC_KEY_get_ex_new_index(0, NULL, NULL, NULL, NULL);
        if (slot_index < 0)
            return 0;
    }
    if (ec_method == NULL) {
        ec_method = EC_KEY_METHOD_new(EC_KEY_OpenSSL());
        if (ec_method == NULL)
            return 0;
        EC_KEY_METHOD_get_sign(EC_KEY_OpenSSL(), &default_sign, &default_sign_setup,
                               &default_sign_sig);
        EC_KEY_METHOD_set_sign(ec_method, engine_sign, engine_sign_setup, engine_sign_sig);
    }
    if (!ENGINE_set_id(e, engine_id) || !ENGINE_set_name(e, engine_name)
        || !ENGINE_set_init_function(e, engine_init)
        || !ENGINE_set_finish_function(e, engine_finish)
        || !ENGINE_set_destroy_function(e, engine_destroy)
        || !ENGINE_set_load_privkey_function(e, load_privkey)
        || !ENGINE_set_EC(e, ec_method))
        return 0;
    return 1;
}

IMPLEMENT_DYNAMIC_BIND_FN(bind_helper)
IMPLEMENT_DYNAMIC_CHECK_FN()
