/*
 * zk_app_utils.h - the C API of Zymbit's libzk_app_utils, served by softscm.
 *
 * Every function is a client of the softscm daemon (`softscm serve`): it sends one or
 * more requests over the daemon's Unix socket and returns 0 (or the value the function
 * documents) on success, a negative errno on failure. Outputs returned through a
 * pointer are allocated with malloc() and belong to the caller, who frees them with
 * free(). See the project's spec/c-api.md.
 */
#ifndef ZK_APP_UTILS_H
#define ZK_APP_UTILS_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void* zkCTX;

typedef enum ZK_EC_KEY_TYPE
{
    ZK_NISTP256,
    ZK_SECP256R1 = ZK_NISTP256,
    ZK_SECP256K1,
    ZK_ED25519,
    ZK_X25519
} ZK_EC_KEY_TYPE;

typedef enum ZK_RECOVERY_STRATEGY
{
    ZK_NONE,
    ZK_BIP39,
    ZK_SLIP39
} ZK_RECOVERY_STRATEGY;

typedef enum ZK_ECDH_KDF_TYPE
{
    ZK_KDF_RFC5869_SHA256,
    ZK_KDF_RFC5869_SHA512,
    ZK_KDF_PBKDF2_SHA256,
    ZK_KDF_PBKDF2_SHA512,
} ZK_ECDH_KDF_TYPE;

typedef enum ZK_ACCEL_AXIS_TYPE
{
    ZK_ACCEL_AXIS_X,
    ZK_ACCEL_AXIS_Y,
    ZK_ACCEL_AXIS_Z,
    ZK_ACCEL_AXIS_ALL
} ZK_ACCEL_AXIS_TYPE;

typedef enum ZK_THRESHOLD_ACTION_TYPE
{
    ZK_ACTION_NONE,
    ZK_ACTION_SELF_DESTRUCT,
    ZK_ACTION_SLEEP
} ZK_THRESHOLD_ACTION_TYPE;

/* One accelerometer axis: the reading in g, and the direction of the latest tap on
 * this axis (-1, +1; 0 = none). */
typedef struct zkAccelAxisDataType
{
    double g;
    int tapDirection;
} zkAccelAxisDataType;

#define ZK_PERIMETER_EVENT_ACTION_NOTIFY        (1 << 0)
#define ZK_PERIMETER_EVENT_ACTION_SELF_DESTRUCT (1 << 1)

/* Context */
int zkOpen(zkCTX* ctx);
int zkClose(zkCTX ctx);

/* Random numbers */
int zkCreateRandDataFile(zkCTX ctx, const char* dst_filename, int rdata_sz);
int zkGetRandBytes(zkCTX ctx, uint8_t** rdata, int rdata_sz);

/* Data lock and unlock */
int zkLockDataF2F(zkCTX ctx, const char* src_pt_filename, const char* dst_ct_filename, bool use_shared_key);
int zkLockDataB2F(zkCTX ctx, const uint8_t* src_pt, int src_pt_sz, const char* dst_ct_filename, bool use_shared_key);
int zkLockDataF2B(zkCTX ctx, const char* src_pt_filename, uint8_t** dst_ct, int* dst_ct_sz, bool use_shared_key);
int zkLockDataB2B(zkCTX ctx, const uint8_t* src_pt, int src_pt_sz, uint8_t** dst_ct, int* dst_ct_sz, bool use_shared_key);
int zkUnlockDataF2F(zkCTX ctx, const char* src_ct_filename, const char* dst_pt_filename, bool use_shared_key);
int zkUnlockDataB2F(zkCTX ctx, const uint8_t* src_ct, int src_ct_sz, const char* dst_pt_filename, bool use_shared_key);
int zkUnlockDataF2B(zkCTX ctx, const char* src_ct_filename, uint8_t** dst_pt, int* dst_pt_sz, bool use_shared_key);
int zkUnlockDataB2B(zkCTX ctx, const uint8_t* src_ct, int src_ct_sz, uint8_t** dst_pt, int* dst_pt_sz, bool use_shared_key);

/* Signatures and ECDH */
int zkGenECDSASigFromDigest(zkCTX ctx, const uint8_t* digest, int slot, uint8_t** sig, int* sig_sz);
int zkGenECDSASigFromDigestWithRecID(zkCTX ctx, const uint8_t* digest, int slot, uint8_t** sig, int* sig_sz, uint8_t* recovery_id);
int zkVerifyECDSASigFromDigest(zkCTX ctx, const uint8_t* digest, int pubkey_slot, const uint8_t* sig, int sig_sz);
int zkVerifyECDSASigFromDigestWithForeignKeySlot(zkCTX ctx, const uint8_t* digest, int pubkey_slot, const uint8_t* sig, int sig_sz);
int zkDoRawECDH(zkCTX ctx, int slot, const uint8_t* peer_pubkey, int peer_pubkey_sz, uint8_t** pre_master_secret);
int zkDoRawECDHWithIntPeerPubkey(zkCTX ctx, int slot, int peer_pubkey_slot, bool peer_pubkey_slot_is_foreign, uint8_t** pre_master_secret);
int zkDoECDHAndKDF(zkCTX ctx, ZK_ECDH_KDF_TYPE kdf_type, int slot, const uint8_t* peer_pubkey, int peer_pubkey_sz, const uint8_t* salt, int salt_sz, const uint8_t* info, int info_sz, int num_iterations, int derived_key_sz, uint8_t** derived_key);
int zkDoECDHAndKDFWithIntPeerPubkey(zkCTX ctx, ZK_ECDH_KDF_TYPE kdf_type, int slot, int peer_pubkey_slot, bool peer_pubkey_slot_is_foreign, const uint8_t* salt, int salt_sz, const uint8_t* info, int info_sz, int num_iterations, int derived_key_sz, uint8_t** derived_key);

/* Key management */
int zkSaveECDSAPubKey2File(zkCTX ctx, const char* filename, int slot);
int zkExportPubKey2File(zkCTX ctx, const char* filename, int pubkey_slot, bool slot_is_foreign);
int zkGetECDSAPubKey(zkCTX ctx, uint8_t** pk, int* pk_sz, int slot);
int zkExportPubKey(zkCTX ctx, uint8_t** pk, int* pk_sz, int pubkey_slot, bool slot_is_foreign);
int zkGetAllocSlotsList(zkCTX ctx, bool is_foreign, int* max_num_keys, int** alloc_key_list, int* alloc_key_list_sz);
int zkStoreForeignPubKey(zkCTX ctx, ZK_EC_KEY_TYPE pk_type, uint8_t* pk, int pk_sz);
int zkDisablePubKeyExport(zkCTX ctx, int pubkey_slot, bool slot_is_foreign);
int zkGenKeyPair(zkCTX ctx, ZK_EC_KEY_TYPE type);
int zkGenEphemeralKeyPair(zkCTX ctx, ZK_EC_KEY_TYPE type);
int zkRemoveKey(zkCTX ctx, int slot, bool slot_is_foreign);
int zkInvalidateEphemeralKey(zkCTX ctx);

/* Digital wallets */
int zkGenWalletMasterSeedWithBIP39(zkCTX ctx, ZK_EC_KEY_TYPE type, const char* variant, const char* wallet_name, const uint8_t* master_generator_key, int master_generator_key_size, const char* passphrase, char** mnemonic);
int zkGenWalletMasterSeedWithSLIP39(zkCTX ctx, ZK_EC_KEY_TYPE type, const char* variant, const char* wallet_name, const uint8_t* master_generator_key, int master_generator_key_size, int group_count, int group_threshold, int group_iteration_exponent, const char* master_passphrase);
int zkSetSLIP39GroupInfo(zkCTX ctx, int group_index, int member_count, int member_threshold);
int zkAddSLIP39MemberPassword(zkCTX ctx, const char* passhrase, char** mnemonic_sentence);
int zkCancelSLIP39Session(zkCTX ctx);
int zkGenOversightWallet(zkCTX ctx, ZK_EC_KEY_TYPE type, const char* variant, const uint8_t* pub_key, const uint8_t* chain_code, const char* node_addr, const char* wallet_name);
int zkGenWalletChildKey(zkCTX ctx, int parent_key_slot, uint32_t index, bool is_hardened, bool return_chain_code, uint8_t** chain_code);
int zkRestoreWalletMasterSeedFromBIP39Mnemonic(zkCTX ctx, ZK_EC_KEY_TYPE type, const char* variant, const char* wallet_name, const uint8_t* master_generator_key, int master_generator_key_size, const char* BIP39_passphrase, char* BIP39_mnemonic);
int zkRestoreWalletMasterSeedFromSLIP39(zkCTX ctx, ZK_EC_KEY_TYPE type, const char* variant, const char* wallet_name, const uint8_t* master_generator_key, int master_generator_key_size, const char* SLIP39_passphrase);
int zkAddRestoreSLIP39Mnemonic(zkCTX ctx, const char* passphrase, const char* mnemonic_sentence);
int zkGetWalletNodeAddrFromKeySlot(zkCTX ctx, int slot, char** node_addr, char** wallet_name, int* master_seed_slot);
int zkGetWalletKeySlotFromNodeAddr(zkCTX ctx, const char* node_addr, const char* wallet_name, int master_seed_slot, int* slot);

/* Perimeter detection */
int zkSetPerimeterEventAction(zkCTX ctx, int channel, uint32_t action_flags);
int zkSetDigitalPerimeterDetectLPPeriod(zkCTX ctx, int lp_period);
int zkSetDigitalPerimeterDetectLPMaxBits(zkCTX ctx, int max_num_bits);
int zkSetDigitalPerimeterDetectDelays(zkCTX ctx, int min_delay_ns, int max_delay_ns);
int zkWaitForPerimeterEvent(zkCTX ctx, uint32_t timeout_ms);
int zkGetPerimeterDetectInfo(zkCTX ctx, uint32_t** timestamps_sec, int* num_timestamps);
int zkClearPerimeterDetectEvents(zkCTX ctx);

/* LED */
int zkLEDOff(zkCTX ctx);
int zkLEDOn(zkCTX ctx);
int zkLEDFlash(zkCTX ctx, uint32_t on_ms, uint32_t off_ms, uint32_t num_flashes);

/* Administration, clock, accelerometer */
int zkSetI2CAddr(zkCTX ctx, int addr);
int zkGetTime(zkCTX ctx, uint32_t* epoch_time_sec, bool precise_time);
int zkSetTapSensitivity(zkCTX ctx, int axis, float pct);
int zkWaitForTap(zkCTX ctx, uint32_t timeout_ms);
int zkGetAccelerometerData(zkCTX ctx, zkAccelAxisDataType* x, zkAccelAxisDataType* y, zkAccelAxisDataType* z);

/* Binding and module information */
int zkLockBinding(zkCTX ctx);
int zkGetCurrentBindingInfo(zkCTX ctx, bool* binding_is_locked, bool* is_bound);
int zkGetModelNumberString(zkCTX ctx, char** model_str);
int zkGetFirmwareVersionString(zkCTX ctx, char** fw_ver_str);
int zkGetSerialNumberString(zkCTX ctx, char** serial_num_str);

/* Sensors and their monitors */
int zkGetCPUTemp(zkCTX ctx, float* cpu_temp);
int zkGetAUXTemp(zkCTX ctx, int index, float* aux_temp);
int zkGetRTCDrift(zkCTX ctx, float* rtc_drift);
int zkGetBatteryVoltage(zkCTX ctx, float* batt_voltage);
int zkSetBatteryVoltageAction(zkCTX ctx, int action);
int zkSetBatteryVoltageThreshold(zkCTX ctx, float threshold);
int zkSetCPUTempAction(zkCTX ctx, int action);
int zkSetCPULowTempThreshold(zkCTX ctx, float threshold);
int zkSetCPUHighTempThreshold(zkCTX ctx, float threshold);

/* Supervised boot */
int zkSetSupervisedBootPolicy(zkCTX ctx, int policy_id);
int zkAddOrUpdateSupervisedBootFile(zkCTX ctx, const char* file_path, int slot);
int zkRemoveSupervisedBootFile(zkCTX ctx, const char* file_path);
int zkGetSupervisedBootFileManifest(zkCTX ctx, char** manifest);

#ifdef __cplusplus
}
#endif

#endif /* ZK_APP_UTILS_H */
