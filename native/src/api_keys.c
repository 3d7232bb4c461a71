/*
 * Signatures, verification, ECDH and key management (Client.sign_digest,
 * verify_digest, ecdh, public_key, public_key_pem, slots, store_foreign_key,
 * disable_public_key_export, generate_key, generate_ephemeral_key, remove_key,
 * invalidate_ephemeral_key).
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Digests are read as 32 bytes (the module signs the first 32 bytes of a digest). */
#define ZK_DIGEST_BYTES 32
/* Raw ECDH gives the 32-byte shared secret. */
#define ZK_RAW_ECDH_BYTES 32

/* ---- signatures ---- */

static int sign(zkCTX ctx, const uint8_t* digest, int slot, uint8_t** sig, int* sig_sz,
                uint8_t* recovery_id, bool recid)
{
    zk_context* c = zk_ctx(ctx);
    if (sig != NULL)
        *sig = NULL;
    if (sig_sz != NULL)
        *sig_sz = 0;
    if (c == NULL || digest == NULL || sig == NULL || sig_sz == NULL ||
        (recid && recovery_id == NULL))
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "sign_digest");
    zk_arg_bin(&req, "digest", digest, ZK_DIGEST_BYTES);
    zk_arg_int(&req, "slot", slot);
    zk_arg_bool(&req, "recid", recid);
    zk_arg_bool(&req, "foreign", false);
    zk_ans ans;
    int rc = zk_call(c, &req, &ans);
    uint32_t n = 0, len = 0;
    const uint8_t* p = NULL;
    int64_t rid = 0;
    if (rc == 0) {
        bool ok = mp_r_array(&ans.result, &n) && n == 2 && mp_r_bin(&ans.result, &p, &len);
        if (ok && recid && !mp_r_nil(&ans.result)) /* no recovery id (EdDSA): 0 */
            ok = mp_r_int(&ans.result, &rid) && rid >= 0 && rid <= 255;
        rc = ok ? 0 : ZK_EPROTO;
    }
    if (rc == 0) {
        *sig = zk_memdup(p, len);
        if (*sig == NULL)
            rc = -ENOMEM;
        else {
            *sig_sz = (int)len;
            if (recid)
                *recovery_id = (uint8_t)rid;
        }
    }
    zk_ans_free(&ans);
    return rc;
}

int zkGenECDSASigFromDigest(zkCTX ctx, const uint8_t* digest, int slot, uint8_t** sig,
                            int* sig_sz)
{
    return sign(ctx, digest, slot, sig, sig_sz, NULL, false);
}

int zkGenECDSASigFromDigestWithRecID(zkCTX ctx, const uint8_t* digest, int slot, uint8_t** sig,
                                     int* sig_sz, uint8_t* recovery_id)
{
    return sign(ctx, digest, slot, sig, sig_sz, recovery_id, true);
}

static int verify(zkCTX ctx, const uint8_t* digest, int slot, const uint8_t* sig, int sig_sz,
                  bool foreign)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL || digest == NULL || sig_sz < 0 || (sig == NULL && sig_sz > 0))
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "verify_digest");
    zk_arg_bin(&req, "digest", digest, ZK_DIGEST_BYTES);
    zk_arg_bin(&req, "signature", sig, (size_t)sig_sz);
    zk_arg_int(&req, "slot", slot);
    zk_arg_bool(&req, "foreign", foreign);
    zk_ans ans;
    int rc = zk_call(c, &req, &ans);
    bool valid = false;
    if (rc == 0)
        rc = mp_r_bool(&ans.result, &valid) ? (valid ? 1 : 0) : ZK_EPROTO;
    else if (ans.status == ZK_STATUS_VERIFICATION_FAILED)
        rc = 0;
    zk_ans_free(&ans);
    return rc;
}

int zkVerifyECDSASigFromDigest(zkCTX ctx, const uint8_t* digest, int pubkey_slot,
                               const uint8_t* sig, int sig_sz)
{
    return verify(ctx, digest, pubkey_slot, sig, sig_sz, false);
}

int zkVerifyECDSASigFromDigestWithForeignKeySlot(zkCTX ctx, const uint8_t* digest,
                                                 int pubkey_slot, const uint8_t* sig, int sig_sz)
{
    return verify(ctx, digest, pubkey_slot, sig, sig_sz, true);
}

/* ---- ECDH ---- */

typedef struct ecdh_args {
    int slot;
    const char* kdf;
    const uint8_t* peer_key; /* raw key, or NULL for a slot */
    int peer_key_sz;
    int peer_slot;
    bool peer_foreign;
    const uint8_t* salt;
    int salt_sz;
    const uint8_t* info;
    int info_sz;
    int iterations;
    int size;
} ecdh_args;

static int ecdh(zkCTX ctx, const ecdh_args* a, uint8_t** out)
{
    zk_context* c = zk_ctx(ctx);
    if (out != NULL)
        *out = NULL;
    if (c == NULL || out == NULL || a->kdf == NULL || a->size < 0 || a->salt_sz < 0 ||
        a->info_sz < 0 || a->peer_key_sz < 0 || (a->salt == NULL && a->salt_sz > 0) ||
        (a->info == NULL && a->info_sz > 0))
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "ecdh");
    zk_arg_int(&req, "slot", a->slot);
    zk_arg_str(&req, "kdf", a->kdf);
    zk_arg_bin(&req, "salt", a->salt, (size_t)a->salt_sz);
    zk_arg_bin(&req, "info", a->info, (size_t)a->info_sz);
    zk_arg_int(&req, "iterations", a->iterations);
    zk_arg_int(&req, "size", a->size);
    zk_arg_bool(&req, "peer_foreign", a->peer_foreign);
    if (a->peer_key != NULL)
        zk_arg_bin(&req, "peer_key", a->peer_key, (size_t)a->peer_key_sz);
    else
        zk_arg_int(&req, "peer_slot", a->peer_slot);
    uint8_t* secret = NULL;
    size_t len = 0;
    int rc = zk_call_bytes(c, &req, &secret, &len);
    if (rc == 0 && len != (size_t)a->size) {
        free(secret);
        return ZK_EPROTO;
    }
    if (rc == 0)
        *out = secret;
    return rc;
}

int zkDoRawECDH(zkCTX ctx, int slot, const uint8_t* peer_pubkey, int peer_pubkey_sz,
                uint8_t** pre_master_secret)
{
    if (peer_pubkey == NULL) {
        if (pre_master_secret != NULL)
            *pre_master_secret = NULL;
        return -EINVAL;
    }
    ecdh_args a = {slot, "none", peer_pubkey, peer_pubkey_sz, 0, true, NULL, 0, NULL, 0, 1,
                   ZK_RAW_ECDH_BYTES};
    return ecdh(ctx, &a, pre_master_secret);
}

int zkDoRawECDHWithIntPeerPubkey(zkCTX ctx, int slot, int peer_pubkey_slot,
                                 bool peer_pubkey_slot_is_foreign, uint8_t** pre_master_secret)
{
    ecdh_args a = {slot, "none", NULL, 0, peer_pubkey_slot, peer_pubkey_slot_is_foreign,
                   NULL, 0, NULL, 0, 1, ZK_RAW_ECDH_BYTES};
    return ecdh(ctx, &a, pre_master_secret);
}

int zkDoECDHAndKDF(zkCTX ctx, ZK_ECDH_KDF_TYPE kdf_type, int slot, const uint8_t* peer_pubkey,
                   int peer_pubkey_sz, const uint8_t* salt, int salt_sz, const uint8_t* info,
                   int info_sz, int num_iterations, int derived_key_sz, uint8_t** derived_key)
{
    if (peer_pubkey == NULL) {
        if (derived_key != NULL)
            *derived_key = NULL;
        return -EINVAL;
    }
    ecdh_args a = {slot, zk_kdf_name((int)kdf_type), peer_pubkey, peer_pubkey_sz, 0, true,
                   salt, salt_sz, info, info_sz, num_iterations, derived_key_sz};
    return ecdh(ctx, &a, derived_key);
}

int zkDoECDHAndKDFWithIntPeerPubkey(zkCTX ctx, ZK_ECDH_KDF_TYPE kdf_type, int slot,
                                    int peer_pubkey_slot, bool peer_pubkey_slot_is_foreign,
                                    const uint8_t* salt, int salt_sz, const uint8_t* info,
                                    int info_sz, int num_iterations, int derived_key_sz,
                                    uint8_t** derived_key)
{
    ecdh_args a = {slot, zk_kdf_name((int)kdf_type), NULL, 0, peer_pubkey_slot,
                   peer_pubkey_slot_is_foreign, salt, salt_sz, info, info_sz, num_iterations,
                   derived_key_sz};
    return ecdh(ctx, &a, derived_key);
}

/* ---- public keys ---- */

static int export_pem(zkCTX ctx, const char* filename, int slot, bool foreign)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL || filename == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "public_key_pem");
    zk_arg_int(&req, "slot", slot);
    zk_arg_bool(&req, "foreign", foreign);
    char* pem = NULL;
    int rc = zk_call_str(c, &req, &pem);
    if (rc == 0)
        rc = zk_write_file(filename, pem, strlen(pem));
    free(pem);
    return rc;
}

int zkSaveECDSAPubKey2File(zkCTX ctx, const char* filename, int slot)
{
    return export_pem(ctx, filename, slot, false);
}

int zkExportPubKey2File(zkCTX ctx, const char* filename, int pubkey_slot, bool slot_is_foreign)
{
    return export_pem(ctx, filename, pubkey_slot, slot_is_foreign);
}

int zkExportPubKey(zkCTX ctx, uint8_t** pk, int* pk_sz, int pubkey_slot, bool slot_is_foreign)
{
    zk_context* c = zk_ctx(ctx);
    if (pk != NULL)
        *pk = NULL;
    if (pk_sz != NULL)
        *pk_sz = 0;
    if (c == NULL || pk == NULL || pk_sz == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "public_key");
    zk_arg_int(&req, "slot", pubkey_slot);
    zk_arg_bool(&req, "foreign", slot_is_foreign);
    size_t len = 0;
    int rc = zk_call_bytes(c, &req, pk, &len);
    if (rc == 0)
        *pk_sz = (int)len;
    return rc;
}

int zkGetECDSAPubKey(zkCTX ctx, uint8_t** pk, int* pk_sz, int slot)
{
    return zkExportPubKey(ctx, pk, pk_sz, slot, false);
}

int zkGetAllocSlotsList(zkCTX ctx, bool is_foreign, int* max_num_keys, int** alloc_key_list,
                        int* alloc_key_list_sz)
{
    zk_context* c = zk_ctx(ctx);
    if (alloc_key_list != NULL)
        *alloc_key_list = NULL;
    if (alloc_key_list_sz != NULL)
        *alloc_key_list_sz = 0;
    if (c == NULL || max_num_keys == NULL || alloc_key_list == NULL || alloc_key_list_sz == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "slots");
    zk_arg_bool(&req, "foreign", is_foreign);
    zk_ans ans;
    int rc = zk_call(c, &req, &ans);
    uint32_t n = 0, count = 0;
    int* list = NULL;
    if (rc == 0)
        rc = mp_r_array(&ans.result, &n) && n == 2 && mp_r_array(&ans.result, &count) &&
                     count <= (1u << 20)
                 ? 0
                 : ZK_EPROTO;
    if (rc == 0) {
        list = malloc(count ? count * sizeof(int) : 1);
        if (list == NULL)
            rc = -ENOMEM;
    }
    for (uint32_t i = 0; rc == 0 && i < count; i++) {
        int64_t slot;
        if (!mp_r_int(&ans.result, &slot) || slot < INT32_MIN || slot > INT32_MAX)
            rc = ZK_EPROTO;
        else
            list[i] = (int)slot;
    }
    int64_t size = 0;
    if (rc == 0 && (!mp_r_int(&ans.result, &size) || size < 0 || size > INT32_MAX))
        rc = ZK_EPROTO;
    zk_ans_free(&ans);
    if (rc < 0) {
        free(list);
        return rc;
    }
    *max_num_keys = (int)size;
    *alloc_key_list = list;
    *alloc_key_list_sz = (int)count;
    return 0;
}

/* ---- key management ---- */

int zkStoreForeignPubKey(zkCTX ctx, ZK_EC_KEY_TYPE pk_type, uint8_t* pk, int pk_sz)
{
    zk_context* c = zk_ctx(ctx);
    const char* type = zk_key_type_name((int)pk_type);
    if (c == NULL || type == NULL || pk_sz < 0 || (pk == NULL && pk_sz > 0))
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "store_foreign_key");
    zk_arg_str(&req, "key_type", type);
    zk_arg_bin(&req, "public_key", pk, (size_t)pk_sz);
    int slot = 0;
    int rc = zk_call_int(c, &req, &slot);
    return rc < 0 ? rc : slot;
}

int zkDisablePubKeyExport(zkCTX ctx, int pubkey_slot, bool slot_is_foreign)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "disable_public_key_export");
    zk_arg_int(&req, "slot", pubkey_slot);
    zk_arg_bool(&req, "foreign", slot_is_foreign);
    return zk_call_void(c, &req);
}

int zkGenKeyPair(zkCTX ctx, ZK_EC_KEY_TYPE type)
{
    zk_context* c = zk_ctx(ctx);
    const char* name = zk_key_type_name((int)type);
    if (c == NULL || name == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "generate_key");
    zk_arg_str(&req, "key_type", name);
    int slot = 0;
    int rc = zk_call_int(c, &req, &slot);
    return rc < 0 ? rc : slot;
}

int zkGenEphemeralKeyPair(zkCTX ctx, ZK_EC_KEY_TYPE type)
{
    zk_context* c = zk_ctx(ctx);
    const char* name = zk_key_type_name((int)type);
    if (c == NULL || name == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "generate_ephemeral_key");
    zk_arg_str(&req, "key_type", name);
    return zk_call_void(c, &req);
}

int zkRemoveKey(zkCTX ctx, int slot, bool slot_is_foreign)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "remove_key");
    zk_arg_int(&req, "slot", slot);
    zk_arg_bool(&req, "foreign", slot_is_foreign);
    return zk_call_void(c, &req);
}

int zkInvalidateEphemeralKey(zkCTX ctx)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "invalidate_ephemeral_key");
    return zk_call_void(c, &req);
}
