/*
 * zkAppUtilsClass.h: Zymbit's C++ API (namespace zkAppUtils, class zkClass) as a thin,
 * header-only layer over the C library libzk_app_utils (zk_app_utils.h).
 *
 *   g++ app.cpp -I /usr/include/zymkey -l zk_app_utils -o app
 *
 * Every method makes one C call (two for the few that read or write a file through a
 * helper) and turns a return code below zero into a zkAppUtilsException carrying it;
 * a timed-out wait throws zkAppUtilsTimeoutException (a zkAppUtilsException).
 * Containers returned by pointer are allocated with new and belong to the caller
 * (delete them); the timestamp array of getPerimeterDetectInfo is malloc'ed by the C
 * library (free it).
 *
 * Departures from the declarations of Zymbit's page, all source compatible: inputs taken
 * by non-const reference there are const references here (temporaries accepted), and
 * lockData/unlockData have const char* overloads so that two string literals name two
 * files instead of converting the second one to the bool use_shared_key.
 */
#ifndef ZK_APP_UTILS_CLASS_H
#define ZK_APP_UTILS_CLASS_H

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "zk_app_utils.h"

namespace zkAppUtils
{

/** Typedef for a simple unsigned bytes container. */
typedef std::vector<uint8_t> byteArray;

/** Typedef for a simple integer container. */
typedef std::vector<int> intArray;

/** Accelerometer data: g force and tap direction (-1, +1, 0 = none) per axis. */
typedef struct accelData
{
    double x;
    double y;
    double z;
    int tapDirX;
    int tapDirY;
    int tapDirZ;
} accelData;

/** Thrown when a call to the module fails; code() is the C library's return code. */
class zkAppUtilsException : public std::runtime_error
{
  public:
    explicit zkAppUtilsException(const std::string& what_arg, int rc = -1)
        : std::runtime_error(what_arg), returnCode(rc)
    {
    }
    int code() const { return returnCode; }

  private:
    int returnCode;
};

/** Thrown when a wait (tap, perimeter event) times out. */
class zkAppUtilsTimeoutException : public zkAppUtilsException
{
  public:
    explicit zkAppUtilsTimeoutException(const std::string& what_arg, int rc = -110)
        : zkAppUtilsException(what_arg, rc)
    {
    }
};

/** Recovery strategy of a wallet master seed: none (the base class), BIP39 or SLIP39. */
class recoveryStrategyBaseType
{
  public:
    recoveryStrategyBaseType(const std::string& key_variant = "")
        : recoveryStrategy(ZK_NONE), variant(key_variant)
    {
    }
    virtual ~recoveryStrategyBaseType() {}
    inline ZK_RECOVERY_STRATEGY getRecoveryStrategy() const { return recoveryStrategy; }
    inline void setVariant(const std::string& key_variant) { variant = key_variant; }
    inline std::string getVariant() const { return variant; }
    inline virtual std::string getPassPhrase() const { return ""; }

  protected:
    ZK_RECOVERY_STRATEGY recoveryStrategy;
    std::string variant;
};

/** BIP39: a base64-encoded passphrase ("" for none) and a key variant ("cardano"). */
class recoveryStrategyBIP39 : public recoveryStrategyBaseType
{
  public:
    recoveryStrategyBIP39(const std::string& passphrase = "", const std::string& key_variant = "")
        : recoveryStrategyBaseType(key_variant), passPhrase(passphrase)
    {
        recoveryStrategy = ZK_BIP39;
    }
    ~recoveryStrategyBIP39() {}
    inline void setPassPhrase(const std::string& passphrase) { passPhrase = passphrase; }
    inline virtual std::string getPassPhrase() const { return passPhrase; }

  private:
    std::string passPhrase;
};

/** SLIP39: group count and threshold, iteration exponent, base64 master passphrase. */
class recoveryStrategySLIP39 : public recoveryStrategyBaseType
{
  public:
    recoveryStrategySLIP39(int group_count, int group_threshold, int iteration_exponent,
                           const std::string& passphrase = "", const std::string& key_variant = "")
        : recoveryStrategyBaseType(key_variant), groupCount(group_count),
          groupThreshold(group_threshold), iterationExponent(iteration_exponent),
          passPhrase(passphrase)
    {
        recoveryStrategy = ZK_SLIP39;
    }
    ~recoveryStrategySLIP39() {}
    inline void setPassPhrase(const std::string& passphrase) { passPhrase = passphrase; }
    inline virtual std::string getPassPhrase() const { return passPhrase; }
    inline void setGroupCount(int group_count) { groupCount = group_count; }
    inline int getGroupCount() const { return groupCount; }
    inline void setGroupThreshold(int group_threshold) { groupThreshold = group_threshold; }
    inline int getGroupThreshold() const { return groupThreshold; }
    inline void setIterationExponent(int iteration_exponent) { iterationExponent = iteration_exponent; }
    inline int getIterationExponent() const { return iterationExponent; }

  private:
    int groupCount;
    int groupThreshold;
    int iterationExponent;
    std::string passPhrase;
};

/** The main class: one context on the module from construction to destruction. */
class zkClass
{
  public:
    /** Open a context on the module. @throws zkAppUtilsException upon error */
    zkClass() : zkContext(NULL) { check(zkOpen(&zkContext), "zkOpen"); }

    /** Close the context. */
    virtual ~zkClass()
    {
        if (zkContext != NULL)
            zkClose(zkContext);
    }

    // --- Random Number Generation ------------------------------------------------------

    void createRandDataFile(const std::string& dst_filename, int rdata_sz)
    {
        check(zkCreateRandDataFile(zkContext, dst_filename.c_str(), rdata_sz), "zkCreateRandDataFile");
    }

    byteArray* getRandBytes(int rdata_sz)
    {
        uint8_t* data = NULL;
        check(zkGetRandBytes(zkContext, &data, rdata_sz), "zkGetRandBytes", data);
        return takeBytes(data, rdata_sz);
    }

    // --- Lock Data ---------------------------------------------------------------------

    void lockData(const std::string& src_pt_filename, const std::string& dst_ct_filename,
                  bool use_shared_key = false)
    {
        check(zkLockDataF2F(zkContext, src_pt_filename.c_str(), dst_ct_filename.c_str(), use_shared_key),
              "zkLockDataF2F");
    }

    void lockData(const char* src_pt_filename, const char* dst_ct_filename, bool use_shared_key = false)
    {
        lockData(std::string(src_pt_filename), std::string(dst_ct_filename), use_shared_key);
    }

    void lockData(const byteArray& src_pt_data, const std::string& dst_ct_filename,
                  bool use_shared_key = false)
    {
        check(zkLockDataB2F(zkContext, bytes(src_pt_data), size(src_pt_data), dst_ct_filename.c_str(),
                            use_shared_key),
              "zkLockDataB2F");
    }

    byteArray* lockData(const std::string& src_pt_filename, bool use_shared_key = false)
    {
        uint8_t* data = NULL;
        int data_sz = 0;
        check(zkLockDataF2B(zkContext, src_pt_filename.c_str(), &data, &data_sz, use_shared_key),
              "zkLockDataF2B", data);
        return takeBytes(data, data_sz);
    }

    byteArray* lockData(const byteArray& src_pt_data, bool use_shared_key = false)
    {
        uint8_t* data = NULL;
        int data_sz = 0;
        check(zkLockDataB2B(zkContext, bytes(src_pt_data), size(src_pt_data), &data, &data_sz,
                            use_shared_key),
              "zkLockDataB2B", data);
        return takeBytes(data, data_sz);
    }

    // --- Unlock Data -------------------------------------------------------------------

    void unlockData(const std::string& src_ct_filename, const std::string& dst_pt_filename,
                    bool use_shared_key = false)
    {
        check(zkUnlockDataF2F(zkContext, src_ct_filename.c_str(), dst_pt_filename.c_str(), use_shared_key),
              "zkUnlockDataF2F");
    }

    void unlockData(const char* src_ct_filename, const char* dst_pt_filename, bool use_shared_key = false)
    {
        unlockData(std::string(src_ct_filename), std::string(dst_pt_filename), use_shared_key);
    }

    void unlockData(const byteArray& src_ct_data, const std::string& dst_pt_filename,
                    bool use_shared_key = false)
    {
        check(zkUnlockDataB2F(zkContext, bytes(src_ct_data), size(src_ct_data), dst_pt_filename.c_str(),
                              use_shared_key),
              "zkUnlockDataB2F");
    }

    byteArray* unlockData(const std::string& src_ct_filename, bool use_shared_key = false)
    {
        uint8_t* data = NULL;
        int data_sz = 0;
        check(zkUnlockDataF2B(zkContext, src_ct_filename.c_str(), &data, &data_sz, use_shared_key),
              "zkUnlockDataF2B", data);
        return takeBytes(data, data_sz);
    }

    byteArray* unlockData(const byteArray& src_ct_bytes, bool use_shared_key = false)
    {
        uint8_t* data = NULL;
        int data_sz = 0;
        int rc = zkUnlockDataB2B(zkContext, bytes(src_ct_bytes), size(src_ct_bytes), &data, &data_sz,
                                 use_shared_key);
        check(rc, "zkUnlockDataB2B", data);
        if (rc == 0) {  // 1 = unlocked, 0 = the blob failed its check
            std::free(data);
            throw zkAppUtilsException("zkUnlockDataB2B: the locked data failed verification", -22);
        }
        return takeBytes(data, data_sz);
    }

    // --- ECDSA -------------------------------------------------------------------------

    byteArray* genECDSASigFromDigest(const byteArray& digest, int slot = 0)
    {
        uint8_t* sig = NULL;
        int sig_sz = 0;
        checkDigest(digest, "zkGenECDSASigFromDigest");
        check(zkGenECDSASigFromDigest(zkContext, bytes(digest), slot, &sig, &sig_sz),
              "zkGenECDSASigFromDigest", sig);
        return takeBytes(sig, sig_sz);
    }

    byteArray* genECDSASigFromDigest(const byteArray& digest, uint8_t& recovery_id, int slot = 0)
    {
        uint8_t* sig = NULL;
        int sig_sz = 0;
        uint8_t rid = 0;
        checkDigest(digest, "zkGenECDSASigFromDigestWithRecID");
        check(zkGenECDSASigFromDigestWithRecID(zkContext, bytes(digest), slot, &sig, &sig_sz, &rid),
              "zkGenECDSASigFromDigestWithRecID", sig);
        recovery_id = rid;
        return takeBytes(sig, sig_sz);
    }

    /** true = the signature verifies, false = it does not. @throws on other errors */
    bool verifyECDSASigFromDigest(const byteArray& digest, const byteArray& sig, int pub_key_slot = 0,
                                  bool pub_key_is_foreign = false)
    {
        checkDigest(digest, "zkVerifyECDSASigFromDigest");
        int rc = pub_key_is_foreign
                     ? zkVerifyECDSASigFromDigestWithForeignKeySlot(zkContext, bytes(digest), pub_key_slot,
                                                                    bytes(sig), size(sig))
                     : zkVerifyECDSASigFromDigest(zkContext, bytes(digest), pub_key_slot, bytes(sig),
                                                  size(sig));
        check(rc, "zkVerifyECDSASigFromDigest");
        return rc == 1;
    }

    // --- ECDH and KDF ------------------------------------------------------------------

    byteArray* doRawECDH(int slot, const byteArray& peer_pubkey)
    {
        uint8_t* secret = NULL;
        int rc = zkDoRawECDH(zkContext, slot, bytes(peer_pubkey), size(peer_pubkey), &secret);
        return takeSecret(rc, secret, 32, "zkDoRawECDH");
    }

    byteArray* doRawECDHWithIntPeerPubkey(int slot, int peer_pubkey_slot, bool peer_pubkey_slot_is_foreign)
    {
        uint8_t* secret = NULL;
        int rc = zkDoRawECDHWithIntPeerPubkey(zkContext, slot, peer_pubkey_slot, peer_pubkey_slot_is_foreign,
                                              &secret);
        return takeSecret(rc, secret, 32, "zkDoRawECDHWithIntPeerPubkey");
    }

    byteArray* doECDHAndKDF(ZK_ECDH_KDF_TYPE kdf_type, int slot, const byteArray& peer_pubkey,
                            const byteArray& salt, const byteArray& info, int num_iterations,
                            int derived_key_sz)
    {
        uint8_t* key = NULL;
        int rc = zkDoECDHAndKDF(zkContext, kdf_type, slot, bytes(peer_pubkey), size(peer_pubkey), bytes(salt),
                                size(salt), bytes(info), size(info), num_iterations, derived_key_sz, &key);
        return takeSecret(rc, key, derived_key_sz, "zkDoECDHAndKDF");
    }

    byteArray* doECDHAndKDFWithIntPeerPubkey(ZK_ECDH_KDF_TYPE kdf_type, int slot, int peer_pubkey_slot,
                                             bool peer_pubkey_slot_is_foreign, const byteArray& salt,
                                             const byteArray& info, int num_iterations, int derived_key_sz)
    {
        uint8_t* key = NULL;
        int rc = zkDoECDHAndKDFWithIntPeerPubkey(zkContext, kdf_type, slot, peer_pubkey_slot,
                                                 peer_pubkey_slot_is_foreign, bytes(salt), size(salt),
                                                 bytes(info), size(info), num_iterations, derived_key_sz, &key);
        return takeSecret(rc, key, derived_key_sz, "zkDoECDHAndKDFWithIntPeerPubkey");
    }

    // --- Key Management ----------------------------------------------------------------

    /** [DEPRECATED] Use exportPubKey2File. */
    void saveECDSAPubKey2File(std::string dst_filename, int slot = 0)
    {
        check(zkSaveECDSAPubKey2File(zkContext, dst_filename.c_str(), slot), "zkSaveECDSAPubKey2File");
    }

    void exportPubKey2File(std::string dst_filename, int pubkey_slot = 0, bool slot_is_foreign = false)
    {
        check(zkExportPubKey2File(zkContext, dst_filename.c_str(), pubkey_slot, slot_is_foreign),
              "zkExportPubKey2File");
    }

    /** [DEPRECATED] Use exportPubKey. */
    byteArray* getECDSAPubKey(int slot = 0)
    {
        uint8_t* pk = NULL;
        int pk_sz = 0;
        check(zkGetECDSAPubKey(zkContext, &pk, &pk_sz, slot), "zkGetECDSAPubKey", pk);
        return takeBytes(pk, pk_sz);
    }

    byteArray* exportPubKey(int pubkey_slot = 0, bool slot_is_foreign = 0)
    {
        uint8_t* pk = NULL;
        int pk_sz = 0;
        check(zkExportPubKey(zkContext, &pk, &pk_sz, pubkey_slot, slot_is_foreign), "zkExportPubKey", pk);
        return takeBytes(pk, pk_sz);
    }

    intArray* getAllocSlotsList(bool foreign_key_pool)
    {
        int max_num_keys = 0;
        int* slots = NULL;
        int slots_sz = 0;
        check(zkGetAllocSlotsList(zkContext, foreign_key_pool, &max_num_keys, &slots, &slots_sz),
              "zkGetAllocSlotsList", slots);
        intArray* list = new intArray(slots, slots + (slots_sz > 0 ? slots_sz : 0));
        std::free(slots);
        return list;
    }

    int storeForeignPubKey(ZK_EC_KEY_TYPE pk_type, const byteArray& pk)
    {
        byteArray copy(pk);
        copy.push_back(0);  // never empty; the size passed excludes it
        return check(zkStoreForeignPubKey(zkContext, pk_type, &copy[0], size(pk)),
                     "zkStoreForeignPubKey");
    }

    void disablePubKeyExport(int pubkey_slot, bool slot_is_foreign = false)
    {
        check(zkDisablePubKeyExport(zkContext, pubkey_slot, slot_is_foreign), "zkDisablePubKeyExport");
    }

    int genKeyPair(ZK_EC_KEY_TYPE type) { return check(zkGenKeyPair(zkContext, type), "zkGenKeyPair"); }

    void genEphemeralKeyPair(ZK_EC_KEY_TYPE type)
    {
        check(zkGenEphemeralKeyPair(zkContext, type), "zkGenEphemeralKeyPair");
    }

    void removeKey(int slot, bool slot_is_foreign = false)
    {
        check(zkRemoveKey(zkContext, slot, slot_is_foreign), "zkRemoveKey");
    }

    void invalidateEphemeralKey() { check(zkInvalidateEphemeralKey(zkContext), "zkInvalidateEphemeralKey"); }

    // --- Digital Wallet (BIP32/39/44) --------------------------------------------------

    /** A master seed; a SLIP39 strategy opens a SLIP39 session instead (see below). */
    int genWalletMasterSeed(ZK_EC_KEY_TYPE type, const std::string& wallet_name,
                            const recoveryStrategyBaseType& recovery_strategy = recoveryStrategyBaseType(),
                            const byteArray& master_generator_key = byteArray())
    {
        const recoveryStrategySLIP39* slip39 = dynamic_cast<const recoveryStrategySLIP39*>(&recovery_strategy);
        if (slip39 != NULL)
            return genWalletMasterSeed(type, wallet_name, *slip39, master_generator_key);
        if (recovery_strategy.getRecoveryStrategy() == ZK_BIP39) {
            std::string ignored;
            return genBIP39(type, wallet_name, recovery_strategy, &ignored, master_generator_key);
        }
        return genBIP39(type, wallet_name, recovery_strategy, NULL, master_generator_key);
    }

    /** A master seed and its BIP39 mnemonic sentence (into *mnemonic_str). */
    int genWalletMasterSeed(ZK_EC_KEY_TYPE type, const std::string& wallet_name,
                            const recoveryStrategyBIP39& recovery_strategy, std::string* mnemonic_str,
                            const byteArray& master_generator_key = byteArray())
    {
        std::string ignored;
        return genBIP39(type, wallet_name, recovery_strategy, mnemonic_str != NULL ? mnemonic_str : &ignored,
                        master_generator_key);
    }

    /** Opens a SLIP39 generation session (setGenSLIP39GroupInfo, addGenSLIP39Member). */
    int genWalletMasterSeed(ZK_EC_KEY_TYPE type, const std::string& wallet_name,
                            const recoveryStrategySLIP39& recovery_strategy,
                            const byteArray& master_generator_key = byteArray())
    {
        std::string variant = recovery_strategy.getVariant();
        std::string passphrase = recovery_strategy.getPassPhrase();
        return check(zkGenWalletMasterSeedWithSLIP39(zkContext, type, variant.c_str(), wallet_name.c_str(),
                                                     bytes(master_generator_key), size(master_generator_key),
                                                     recovery_strategy.getGroupCount(),
                                                     recovery_strategy.getGroupThreshold(),
                                                     recovery_strategy.getIterationExponent(),
                                                     passphrase.c_str()),
                     "zkGenWalletMasterSeedWithSLIP39");
    }

    int setGenSLIP39GroupInfo(int group_index, int member_count, int member_threshold)
    {
        return check(zkSetSLIP39GroupInfo(zkContext, group_index, member_count, member_threshold),
                     "zkSetSLIP39GroupInfo");
    }

    /** A member share into *mnemonic_str; -1 per share, the master seed's slot at the last. */
    int addGenSLIP39Member(std::string passphrase, std::string* mnemonic_str)
    {
        char* mnemonic = NULL;
        int rc = zkAddSLIP39MemberPassword(zkContext, passphrase.c_str(), &mnemonic);
        checkSession(rc, "zkAddSLIP39MemberPassword", mnemonic);
        takeString(mnemonic, mnemonic_str);
        return rc;
    }

    int cancelSLIP39Session() { return check(zkCancelSLIP39Session(zkContext), "zkCancelSLIP39Session"); }

    int genOverSightWallet(ZK_EC_KEY_TYPE type, const byteArray& public_key, const byteArray& chain_code,
                           const std::string& node_address, const std::string& wallet_name,
                           const std::string& variant)
    {
        size_t key_len = (type == ZK_ED25519 || type == ZK_X25519) ? 32 : 64;
        if (public_key.size() != key_len || chain_code.size() != 32)
            throw zkAppUtilsException("genOverSightWallet: a public key of " + std::to_string(key_len) +
                                          " bytes and a chain code of 32 bytes are needed",
                                      -22);
        return check(zkGenOversightWallet(zkContext, type, variant.c_str(), bytes(public_key), bytes(chain_code),
                                          node_address.c_str(), wallet_name.c_str()),
                     "zkGenOversightWallet");
    }

    /** A child key's slot; its 32-byte chain code into *chain_code if asked for. */
    int genWalletChildKey(int parent_key_slot, uint32_t index, bool is_hardened, bool return_chain_code,
                          byteArray* chain_code)
    {
        uint8_t* code = NULL;
        int rc = zkGenWalletChildKey(zkContext, parent_key_slot, index, is_hardened, return_chain_code, &code);
        check(rc, "zkGenWalletChildKey", code);
        if (code != NULL) {
            if (chain_code != NULL)
                chain_code->assign(code, code + 32);
            std::free(code);
        }
        return rc;
    }

    int restoreWalletMasterSeedFromMnemonic(ZK_EC_KEY_TYPE type, const std::string& wallet_name,
                                            const byteArray& master_generator_key,
                                            const recoveryStrategyBIP39& recovery_strategy,
                                            const std::string& mnemonic_str)
    {
        std::string variant = recovery_strategy.getVariant();
        std::string passphrase = recovery_strategy.getPassPhrase();
        std::vector<char> mnemonic(mnemonic_str.begin(), mnemonic_str.end());
        mnemonic.push_back('\0');
        return check(zkRestoreWalletMasterSeedFromBIP39Mnemonic(
                         zkContext, type, variant.c_str(), wallet_name.c_str(), bytes(master_generator_key),
                         size(master_generator_key), passphrase.c_str(), &mnemonic[0]),
                     "zkRestoreWalletMasterSeedFromBIP39Mnemonic");
    }

    /** Opens a SLIP39 restore session (-1); feed it with addRestoreSLIP39Mnemonic. */
    int restoreWalletMasterSeedFromMnemonic(ZK_EC_KEY_TYPE type, const std::string& wallet_name,
                                            const byteArray& master_generator_key,
                                            const recoveryStrategySLIP39& recovery_strategy)
    {
        std::string variant = recovery_strategy.getVariant();
        std::string passphrase = recovery_strategy.getPassPhrase();
        int rc = zkRestoreWalletMasterSeedFromSLIP39(zkContext, type, variant.c_str(), wallet_name.c_str(),
                                                     bytes(master_generator_key), size(master_generator_key),
                                                     passphrase.c_str());
        return checkSession(rc, "zkRestoreWalletMasterSeedFromSLIP39");
    }

    /** -1 until the shares rebuild the master seed, then its slot. */
    int addRestoreSLIP39Mnemonic(std::string passphrase, std::string mnemonic_sentence)
    {
        int rc = zkAddRestoreSLIP39Mnemonic(zkContext, passphrase.c_str(), mnemonic_sentence.c_str());
        return checkSession(rc, "zkAddRestoreSLIP39Mnemonic");
    }

    /** The node address (and wallet name) of a wallet key; returns the master seed slot. */
    int getWalletNodeAddrFromKeySlot(int slot, std::string* out_node_addr, std::string* out_wallet_name = NULL)
    {
        char* node_addr = NULL;
        char* wallet_name = NULL;
        int master_seed_slot = 0;
        int rc = zkGetWalletNodeAddrFromKeySlot(zkContext, slot, &node_addr, &wallet_name, &master_seed_slot);
        if (rc < 0) {
            std::free(node_addr);
            std::free(wallet_name);
            fail(rc, "zkGetWalletNodeAddrFromKeySlot");
        }
        takeString(node_addr, out_node_addr);
        takeString(wallet_name, out_wallet_name);
        return master_seed_slot;
    }

    int getWalletKeySlotFromNodeAddr(const std::string& node_addr, const std::string& wallet_name,
                                     int master_seed_slot)
    {
        int slot = -1;
        check(zkGetWalletKeySlotFromNodeAddr(zkContext, node_addr.c_str(), wallet_name.c_str(), master_seed_slot,
                                             &slot),
              "zkGetWalletKeySlotFromNodeAddr");
        return slot;
    }

    // --- LED Control -------------------------------------------------------------------

    void ledOff() { check(zkLEDOff(zkContext), "zkLEDOff"); }
    void ledOn() { check(zkLEDOn(zkContext), "zkLEDOn"); }
    void ledFlash(uint32_t on_ms, uint32_t off_ms = 0, uint32_t num_flashes = 0)
    {
        check(zkLEDFlash(zkContext, on_ms, off_ms, num_flashes), "zkLEDFlash");
    }

    // --- Administrative ----------------------------------------------------------------

    void setI2CAddr(int addr) { check(zkSetI2CAddr(zkContext, addr), "zkSetI2CAddr"); }

    // --- Time --------------------------------------------------------------------------

    uint32_t getTime(bool precise_time = false)
    {
        uint32_t epoch = 0;
        check(zkGetTime(zkContext, &epoch, precise_time), "zkGetTime");
        return epoch;
    }

    // --- Accelerometer -----------------------------------------------------------------

    void setTapSensitivity(float pct, ZK_ACCEL_AXIS_TYPE axis = ZK_ACCEL_AXIS_ALL)
    {
        check(zkSetTapSensitivity(zkContext, axis, pct), "zkSetTapSensitivity");
    }

    /** @throws zkAppUtilsTimeoutException upon timeout, zkAppUtilsException upon other errors */
    void waitForTap(uint32_t timeout_ms) { check(zkWaitForTap(zkContext, timeout_ms), "zkWaitForTap"); }

    void getAccelerometerData(accelData& accel_data)
    {
        zkAccelAxisDataType x, y, z;
        check(zkGetAccelerometerData(zkContext, &x, &y, &z), "zkGetAccelerometerData");
        accel_data.x = x.g;
        accel_data.y = y.g;
        accel_data.z = z.g;
        accel_data.tapDirX = x.tapDirection;
        accel_data.tapDirY = y.tapDirection;
        accel_data.tapDirZ = z.tapDirection;
    }

    // --- Binding Management ------------------------------------------------------------

    void lockBinding() { check(zkLockBinding(zkContext), "zkLockBinding"); }

    void getCurrentBindingInfo(bool& binding_is_locked, bool& is_bound)
    {
        bool locked = false, bound = false;
        check(zkGetCurrentBindingInfo(zkContext, &locked, &bound), "zkGetCurrentBindingInfo");
        binding_is_locked = locked;
        is_bound = bound;
    }

    // --- Perimeter Detect --------------------------------------------------------------

    void setPerimeterEventAction(int channel, uint32_t action_flags)
    {
        check(zkSetPerimeterEventAction(zkContext, channel, action_flags), "zkSetPerimeterEventAction");
    }

    void setDigitalPerimeterDetectLPPeriod(int lp_period)
    {
        check(zkSetDigitalPerimeterDetectLPPeriod(zkContext, lp_period), "zkSetDigitalPerimeterDetectLPPeriod");
    }

    void setDigitalPerimeterDetectLPMaxBits(int max_num_bits)
    {
        check(zkSetDigitalPerimeterDetectLPMaxBits(zkContext, max_num_bits),
              "zkSetDigitalPerimeterDetectLPMaxBits");
    }

    void setDigitalPerimeterDetectDelays(int min_delay_ns, int max_delay_ns)
    {
        check(zkSetDigitalPerimeterDetectDelays(zkContext, min_delay_ns, max_delay_ns),
              "zkSetDigitalPerimeterDetectDelays");
    }

    /** @throws zkAppUtilsTimeoutException upon timeout, zkAppUtilsException upon other errors */
    void waitForPerimeterEvent(uint32_t timeout_ms)
    {
        check(zkWaitForPerimeterEvent(zkContext, timeout_ms), "zkWaitForPerimeterEvent");
    }

    /** *timestamp_sec is malloc'ed: free() it. */
    void getPerimeterDetectInfo(uint32_t** timestamp_sec, int& num_timestamps)
    {
        uint32_t* stamps = NULL;
        int count = 0;
        check(zkGetPerimeterDetectInfo(zkContext, &stamps, &count), "zkGetPerimeterDetectInfo", stamps);
        *timestamp_sec = stamps;
        num_timestamps = count;
    }

    void clearPerimeterDetectEvents()
    {
        check(zkClearPerimeterDetectEvents(zkContext), "zkClearPerimeterDetectEvents");
    }

    // --- Module Info -------------------------------------------------------------------

    std::string* getModelNumberString() { return stringOf(zkGetModelNumberString, "zkGetModelNumberString"); }
    std::string* getFirmwareVersionString()
    {
        return stringOf(zkGetFirmwareVersionString, "zkGetFirmwareVersionString");
    }
    std::string* getSerialNumberString() { return stringOf(zkGetSerialNumberString, "zkGetSerialNumberString"); }

    float getCPUTemp()
    {
        float value = 0;
        check(zkGetCPUTemp(zkContext, &value), "zkGetCPUTemp");
        return value;
    }

    float getAUXTemp(int index = 0)
    {
        float value = 0;
        check(zkGetAUXTemp(zkContext, index, &value), "zkGetAUXTemp");
        return value;
    }

    float getRTCDrift()
    {
        float value = 0;
        check(zkGetRTCDrift(zkContext, &value), "zkGetRTCDrift");
        return value;
    }

    float getBatteryVoltage()
    {
        float value = 0;
        check(zkGetBatteryVoltage(zkContext, &value), "zkGetBatteryVoltage");
        return value;
    }

    // --- Battery Voltage Monitor -------------------------------------------------------

    void setBatteryVoltageAction(ZK_THRESHOLD_ACTION_TYPE action)
    {
        check(zkSetBatteryVoltageAction(zkContext, action), "zkSetBatteryVoltageAction");
    }

    void setBatteryVoltageThreshold(float threshold)
    {
        check(zkSetBatteryVoltageThreshold(zkContext, threshold), "zkSetBatteryVoltageThreshold");
    }

    // --- CPU Temperature Monitor -------------------------------------------------------

    void setCPUTempAction(ZK_THRESHOLD_ACTION_TYPE action)
    {
        check(zkSetCPUTempAction(zkContext, action), "zkSetCPUTempAction");
    }

    void setCPULowTempThreshold(float threshold)
    {
        check(zkSetCPULowTempThreshold(zkContext, threshold), "zkSetCPULowTempThreshold");
    }

    void setCPUHighTempThreshold(float threshold)
    {
        check(zkSetCPUHighTempThreshold(zkContext, threshold), "zkSetCPUHighTempThreshold");
    }

    // --- Supervised boot ---------------------------------------------------------------

    void setSupervisedBootPolicy(int policy_id)
    {
        check(zkSetSupervisedBootPolicy(zkContext, policy_id), "zkSetSupervisedBootPolicy");
    }

    void addOrUpdateSupervisedBootFile(std::string file_path, int slot = 15)
    {
        check(zkAddOrUpdateSupervisedBootFile(zkContext, file_path.c_str(), slot), "zkAddOrUpdateSupervisedBootFile");
    }

    void removeSupervisedBootFile(std::string file_path)
    {
        check(zkRemoveSupervisedBootFile(zkContext, file_path.c_str()), "zkRemoveSupervisedBootFile");
    }

    std::string* getSupervisedBootFileManifest()
    {
        return stringOf(zkGetSupervisedBootFileManifest, "zkGetSupervisedBootFileManifest");
    }

  private:
    zkCTX zkContext;

    zkClass(const zkClass&);             // one context per object: not copyable
    zkClass& operator=(const zkClass&);

    static void fail(int rc, const char* where)
    {
        std::string what = std::string(where) + " failed: " + std::to_string(rc);
        if (rc == -110)
            throw zkAppUtilsTimeoutException(what, rc);
        throw zkAppUtilsException(what, rc);
    }

    /** rc, or a throw when it is below zero (the partial output freed first). */
    static int check(int rc, const char* where, void* output = NULL)
    {
        if (rc < 0) {
            std::free(output);
            fail(rc, where);
        }
        return rc;
    }

    /** SLIP39 session steps answer -1 for "share taken, more needed": not an error. */
    static int checkSession(int rc, const char* where, void* output = NULL)
    {
        return rc == -1 ? rc : check(rc, where, output);
    }

    static void checkDigest(const byteArray& digest, const char* where)
    {
        if (digest.size() != 32)
            throw zkAppUtilsException(std::string(where) + ": the digest must be 32 bytes (SHA-256)", -22);
    }

    /** The bytes of a container; an empty one as a valid pointer too (NULL is refused). */
    static const uint8_t* bytes(const byteArray& data)
    {
        static const uint8_t none[1] = {0};
        return data.empty() ? none : &data[0];
    }
    static int size(const byteArray& data) { return static_cast<int>(data.size()); }

    static byteArray* takeBytes(uint8_t* data, int data_sz)
    {
        byteArray* out = new byteArray();
        if (data != NULL && data_sz > 0)
            out->assign(data, data + data_sz);
        std::free(data);
        return out;
    }

    static byteArray* takeSecret(int rc, uint8_t* data, int data_sz, const char* where)
    {
        if (rc >= 0 && data == NULL)
            rc = -5;
        check(rc, where, data);
        return takeBytes(data, data_sz);
    }

    static void takeString(char* text, std::string* out)
    {
        if (out != NULL)
            *out = text != NULL ? text : "";
        std::free(text);
    }

    std::string* stringOf(int (*get)(zkCTX, char**), const char* where)
    {
        char* text = NULL;
        check(get(zkContext, &text), where, text);
        std::string* out = new std::string();
        takeString(text, out);
        return out;
    }

    int genBIP39(ZK_EC_KEY_TYPE type, const std::string& wallet_name, const recoveryStrategyBaseType& strategy,
                 std::string* mnemonic_str, const byteArray& master_generator_key)
    {
        std::string variant = strategy.getVariant();
        std::string passphrase = strategy.getPassPhrase();
        char* mnemonic = NULL;
        int rc = zkGenWalletMasterSeedWithBIP39(zkContext, type, variant.c_str(), wallet_name.c_str(),
                                                bytes(master_generator_key), size(master_generator_key),
                                                passphrase.c_str(), mnemonic_str != NULL ? &mnemonic : NULL);
        check(rc, "zkGenWalletMasterSeedWithBIP39", mnemonic);
        takeString(mnemonic, mnemonic_str);
        return rc;
    }
};

}  // namespace zkAppUtils

#endif
