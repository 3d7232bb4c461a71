/*
 * Digital wallets (Client.create_wallet, create_wallet_bip39, restore_wallet_bip39,
 * start_slip39_generation, set_slip39_group, add_slip39_member, cancel_slip39_session,
 * start_slip39_restore, add_slip39_share, create_oversight_wallet, derive_wallet_child,
 * wallet_node_address, wallet_key_slot).
 *
 * SLIP39 codes follow Zymbit's tutorial and zku (spec C6): -1 for each member share
 * until the last one gives the master slot, -1 when a restore session opens, -1 for
 * each share fed to it (also one that cannot count) until the slot.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* What the SLIP39 calls return while the master seed is not made or rebuilt yet. */
#define ZK_SLIP39_PENDING (-1)
/* Sizes of an oversight wallet's inputs (spec C7): a raw public key, a chain code. */
#define ZK_PUBLIC_KEY_BYTES 64
#define ZK_ED25519_PUBLIC_KEY_BYTES 32
#define ZK_CHAIN_CODE_BYTES 32

/* NULL text is sent as "" (variants and passphrases default to empty). */
static const char* text(const char* s)
{
    return s != NULL ? s : "";
}

/* The arguments every master-seed call shares. */
static int seed_args(zk_buf* req, ZK_EC_KEY_TYPE type, const char* variant,
                     const char* wallet_name, const uint8_t* master_generator_key,
                     int master_generator_key_size)
{
    const char* name = zk_key_type_name((int)type);
    if (name == NULL || master_generator_key_size < 0 ||
        (master_generator_key == NULL && master_generator_key_size > 0)) {
        zk_buf_free(req);
        return -EINVAL;
    }
    zk_arg_str(req, "key_type", name);
    zk_arg_str(req, "wallet_name", text(wallet_name));
    zk_arg_bin(req, "master_gen_key", master_generator_key, (size_t)master_generator_key_size);
    zk_arg_str(req, "variant", text(variant));
    return 0;
}

int zkGenWalletMasterSeedWithBIP39(zkCTX ctx, ZK_EC_KEY_TYPE type, const char* variant,
                                   const char* wallet_name, const uint8_t* master_generator_key,
                                   int master_generator_key_size, const char* passphrase,
                                   char** mnemonic)
{
    zk_context* c = zk_ctx(ctx);
    if (mnemonic != NULL)
        *mnemonic = NULL;
    if (c == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, mnemonic == NULL ? "create_wallet" : "create_wallet_bip39");
    int rc = seed_args(&req, type, variant, wallet_name, master_generator_key,
                       master_generator_key_size);
    if (rc < 0)
        return rc;
    if (mnemonic == NULL) {
        int slot = 0;
        rc = zk_call_int(c, &req, &slot);
        return rc < 0 ? rc : slot;
    }
    zk_arg_str(&req, "passphrase", text(passphrase));
    zk_ans ans;
    rc = zk_call(c, &req, &ans);
    uint32_t n = 0, len = 0;
    int64_t slot = 0;
    const char* words = NULL;
    if (rc == 0)
        rc = mp_r_array(&ans.result, &n) && n == 2 && mp_r_int(&ans.result, &slot) &&
                     slot >= 0 && slot <= INT32_MAX && mp_r_str(&ans.result, &words, &len)
                 ? 0
                 : ZK_EPROTO;
    if (rc == 0) {
        *mnemonic = zk_strndup(words, len);
        rc = *mnemonic != NULL ? (int)slot : -ENOMEM;
    }
    zk_ans_free(&ans);
    return rc;
}

int zkGenWalletMasterSeedWithSLIP39(zkCTX ctx, ZK_EC_KEY_TYPE type, const char* variant,
                                    const char* wallet_name, const uint8_t* master_generator_key,
                                    int master_generator_key_size, int group_count,
                                    int group_threshold, int group_iteration_exponent,
                                    const char* master_passphrase)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "start_slip39_generation");
    int rc = seed_args(&req, type, variant, wallet_name, master_generator_key,
                       master_generator_key_size);
    if (rc < 0)
        return rc;
    zk_arg_int(&req, "group_count", group_count);
    zk_arg_int(&req, "group_threshold", group_threshold);
    zk_arg_int(&req, "iteration_exponent", group_iteration_exponent);
    zk_arg_str(&req, "passphrase", text(master_passphrase));
    return zk_call_void(c, &req);
}

int zkSetSLIP39GroupInfo(zkCTX ctx, int group_index, int member_count, int member_threshold)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "set_slip39_group");
    zk_arg_int(&req, "group_index", group_index);
    zk_arg_int(&req, "member_count", member_count);
    zk_arg_int(&req, "member_threshold", member_threshold);
    return zk_call_void(c, &req);
}

int zkAddSLIP39MemberPassword(zkCTX ctx, const char* passhrase, char** mnemonic_sentence)
{
    zk_context* c = zk_ctx(ctx);
    if (mnemonic_sentence != NULL)
        *mnemonic_sentence = NULL;
    if (c == NULL || mnemonic_sentence == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "add_slip39_member");
    zk_arg_str(&req, "password", text(passhrase));
    zk_ans ans;
    int rc = zk_call(c, &req, &ans);
    uint32_t n = 0, len = 0;
    int64_t slot = ZK_SLIP39_PENDING;
    const char* words = NULL;
    if (rc == 0) {
        bool ok = mp_r_array(&ans.result, &n) && n == 2;
        if (ok && !mp_r_nil(&ans.result))
            ok = mp_r_int(&ans.result, &slot) && slot >= 0 && slot <= INT32_MAX;
        rc = ok && mp_r_str(&ans.result, &words, &len) ? 0 : ZK_EPROTO;
    } else if (rc == ZK_SLIP39_PENDING) {
        rc = -EIO; /* -1 means "share made" here (spec section 5) */
    }
    if (rc == 0) {
        *mnemonic_sentence = zk_strndup(words, len);
        rc = *mnemonic_sentence != NULL ? (int)slot : -ENOMEM;
    }
    zk_ans_free(&ans);
    return rc;
}

int zkCancelSLIP39Session(zkCTX ctx)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "cancel_slip39_session");
    return zk_call_void(c, &req);
}

int zkGenOversightWallet(zkCTX ctx, ZK_EC_KEY_TYPE type, const char* variant,
                         const uint8_t* pub_key, const uint8_t* chain_code, const char* node_addr,
                         const char* wallet_name)
{
    zk_context* c = zk_ctx(ctx);
    const char* name = zk_key_type_name((int)type);
    if (c == NULL || name == NULL || pub_key == NULL || chain_code == NULL || node_addr == NULL)
        return -EINVAL;
    size_t key_len = type == ZK_ED25519 ? ZK_ED25519_PUBLIC_KEY_BYTES : ZK_PUBLIC_KEY_BYTES;
    zk_buf req;
    zk_req(&req, "create_oversight_wallet");
    zk_arg_str(&req, "key_type", name);
    zk_arg_bin(&req, "public_key", pub_key, key_len);
    zk_arg_bin(&req, "chain_code", chain_code, ZK_CHAIN_CODE_BYTES);
    zk_arg_str(&req, "node_address", node_addr);
    zk_arg_str(&req, "wallet_name", text(wallet_name));
    zk_arg_str(&req, "variant", text(variant));
    int slot = 0;
    int rc = zk_call_int(c, &req, &slot);
    return rc < 0 ? rc : slot;
}

int zkGenWalletChildKey(zkCTX ctx, int parent_key_slot, uint32_t index, bool is_hardened,
                        bool return_chain_code, uint8_t** chain_code)
{
    zk_context* c = zk_ctx(ctx);
    if (chain_code != NULL)
        *chain_code = NULL;
    if (c == NULL || (return_chain_code && chain_code == NULL))
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "derive_wallet_child");
    zk_arg_int(&req, "parent_slot", parent_key_slot);
    zk_arg_int(&req, "index", index);
    zk_arg_bool(&req, "hardened", is_hardened);
    zk_arg_bool(&req, "return_chain_code", return_chain_code);
    zk_ans ans;
    int rc = zk_call(c, &req, &ans);
    uint32_t n = 0, len = 0;
    int64_t slot = 0;
    const uint8_t* chain = NULL;
    if (rc == 0) {
        bool ok = mp_r_array(&ans.result, &n) && n == 2 && mp_r_int(&ans.result, &slot) &&
                  slot >= 0 && slot <= INT32_MAX;
        if (ok && return_chain_code)
            ok = mp_r_bin(&ans.result, &chain, &len);
        rc = ok ? 0 : ZK_EPROTO;
    }
    if (rc == 0 && return_chain_code) {
        *chain_code = zk_memdup(chain, len);
        if (*chain_code == NULL)
            rc = -ENOMEM;
    }
    zk_ans_free(&ans);
    return rc < 0 ? rc : (int)slot;
}

int zkRestoreWalletMasterSeedFromBIP39Mnemonic(zkCTX ctx, ZK_EC_KEY_TYPE type, const char* variant,
                                               const char* wallet_name,
                                               const uint8_t* master_generator_key,
                                               int master_generator_key_size,
                                               const char* BIP39_passphrase, char* BIP39_mnemonic)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL || BIP39_mnemonic == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "restore_wallet_bip39");
    int rc = seed_args(&req, type, variant, wallet_name, master_generator_key,
                       master_generator_key_size);
    if (rc < 0)
        return rc;
    zk_arg_str(&req, "mnemonic", BIP39_mnemonic);
    zk_arg_str(&req, "passphrase", text(BIP39_passphrase));
    int slot = 0;
    rc = zk_call_int(c, &req, &slot);
    return rc < 0 ? rc : slot;
}

int zkRestoreWalletMasterSeedFromSLIP39(zkCTX ctx, ZK_EC_KEY_TYPE type, const char* variant,
                                        const char* wallet_name,
                                        const uint8_t* master_generator_key,
                                        int master_generator_key_size,
                                        const char* SLIP39_passphrase)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "start_slip39_restore");
    int rc = seed_args(&req, type, variant, wallet_name, master_generator_key,
                       master_generator_key_size);
    if (rc < 0)
        return rc;
    zk_arg_str(&req, "passphrase", text(SLIP39_passphrase));
    rc = zk_call_void(c, &req);
    return rc < 0 ? rc : ZK_SLIP39_PENDING;
}

int zkAddRestoreSLIP39Mnemonic(zkCTX ctx, const char* passphrase, const char* mnemonic_sentence)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL || mnemonic_sentence == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "add_slip39_share");
    zk_arg_str(&req, "mnemonic", mnemonic_sentence);
    zk_arg_str(&req, "password", text(passphrase));
    zk_ans ans;
    int rc = zk_call(c, &req, &ans);
    int64_t slot = ZK_SLIP39_PENDING;
    if (rc == 0 && !mp_r_nil(&ans.result))
        rc = mp_r_int(&ans.result, &slot) && slot >= 0 && slot <= INT32_MAX ? 0 : ZK_EPROTO;
    else if (rc < 0 && ans.status == ZK_STATUS_INVALID_ARGUMENT)
        rc = 0; /* a share that cannot count says no more than "not yet" */
    zk_ans_free(&ans);
    return rc < 0 ? rc : (int)slot;
}

int zkGetWalletNodeAddrFromKeySlot(zkCTX ctx, int slot, char** node_addr, char** wallet_name,
                                   int* master_seed_slot)
{
    zk_context* c = zk_ctx(ctx);
    if (node_addr != NULL)
        *node_addr = NULL;
    if (wallet_name != NULL)
        *wallet_name = NULL;
    if (c == NULL || node_addr == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "wallet_node_address");
    zk_arg_int(&req, "slot", slot);
    zk_ans ans;
    int rc = zk_call(c, &req, &ans);
    uint32_t n = 0, addr_len = 0, name_len = 0;
    const char* addr = NULL;
    const char* name = NULL;
    int64_t master = 0;
    if (rc == 0)
        rc = mp_r_array(&ans.result, &n) && n == 3 && mp_r_str(&ans.result, &addr, &addr_len) &&
                     mp_r_str(&ans.result, &name, &name_len) &&
                     mp_r_int(&ans.result, &master) && master >= INT32_MIN &&
                     master <= INT32_MAX
                 ? 0
                 : ZK_EPROTO;
    char* addr_out = NULL;
    char* name_out = NULL;
    if (rc == 0) {
        addr_out = zk_strndup(addr, addr_len);
        if (wallet_name != NULL)
            name_out = zk_strndup(name, name_len);
        if (addr_out == NULL || (wallet_name != NULL && name_out == NULL)) {
            free(addr_out);
            free(name_out);
            rc = -ENOMEM;
        }
    }
    zk_ans_free(&ans);
    if (rc < 0)
        return rc;
    *node_addr = addr_out;
    if (wallet_name != NULL)
        *wallet_name = name_out;
    if (master_seed_slot != NULL)
        *master_seed_slot = (int)master;
    return 0;
}

int zkGetWalletKeySlotFromNodeAddr(zkCTX ctx, const char* node_addr, const char* wallet_name,
                                   int master_seed_slot, int* slot)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL || node_addr == NULL || slot == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "wallet_key_slot");
    zk_arg_str(&req, "node_address", node_addr);
    if (wallet_name != NULL && wallet_name[0] != '\0')
        zk_arg_str(&req, "wallet_name", wallet_name);
    else
        zk_arg_int(&req, "master_slot", master_seed_slot);
    return zk_call_int(c, &req, slot);
}
