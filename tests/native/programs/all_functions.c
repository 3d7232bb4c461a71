/*
 * Calls every function of libzk_app_utils once or more on a fresh module, frees every
 * output, and checks each return code. Built with -fsanitize=address,undefined and run
 * under valgrind by the tests (c-api.md A8).
 *
 * usage: all_functions WORKDIR BOOTDIR
 * Prints one line per call ("name rc"); exits 1 if a code is not the expected one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zk_app_utils.h"

static int failures = 0;

static void expect(const char* name, int rc, int ok)
{
    printf("%s %d\n", name, rc);
    if (!ok) {
        fprintf(stderr, "unexpected: %s gave %d\n", name, rc);
        failures++;
    }
}

#define OK(call) expect(#call, (call), 1) /* any code: only memory behaviour matters */
#define IS(call, want)                     \
    do {                                   \
        int rc_ = (call);                  \
        expect(#call, rc_, rc_ == (want)); \
    } while (0)
#define AT_LEAST(call, low)               \
    do {                                  \
        int rc_ = (call);                 \
        expect(#call, rc_, rc_ >= (low)); \
    } while (0)

static char* path_in(const char* dir, const char* name)
{
    char* out = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(out, "%s/%s", dir, name);
    return out;
}

int main(int argc, char** argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: all_functions WORKDIR BOOTDIR\n");
        return 2;
    }
    char* plain = path_in(argv[1], "plain");
    char* locked = path_in(argv[1], "locked");
    char* back = path_in(argv[1], "back");
    char* rnd = path_in(argv[1], "random");
    char* pem = path_in(argv[1], "key.pem");
    char* bootfile = path_in(argv[2], "kernel.img");
    FILE* f = fopen(bootfile, "w");
    fputs("kernel", f);
    fclose(f);

    zkCTX ctx;
    IS(zkOpen(&ctx), 0);

    uint8_t* data = NULL;
    int size = 0;
    IS(zkGetRandBytes(ctx, &data, 100), 0);
    free(data);
    IS(zkCreateRandDataFile(ctx, plain, 5000), 0);
    IS(zkCreateRandDataFile(ctx, rnd, 10), 0);

    /* lock / unlock in the four modes */
    IS(zkLockDataF2F(ctx, plain, locked, false), 0);
    IS(zkUnlockDataF2F(ctx, locked, back, false), 0);
    IS(zkLockDataF2B(ctx, plain, &data, &size, true), 0);
    uint8_t* blob = data;
    int blob_sz = size;
    IS(zkUnlockDataB2B(ctx, blob, blob_sz, &data, &size, true), 1);
    free(data);
    blob[blob_sz - 1] ^= 1;
    IS(zkUnlockDataB2B(ctx, blob, blob_sz, &data, &size, true), 0);
    IS(zkUnlockDataB2F(ctx, blob, blob_sz, back, true), -22);
    free(blob);
    static const uint8_t message[] = "hello";
    IS(zkLockDataB2B(ctx, message, 5, &data, &size, false), 0);
    IS(zkUnlockDataB2F(ctx, data, size, back, false), 0);
    free(data);
    IS(zkLockDataB2F(ctx, message, 5, locked, false), 0);
    IS(zkUnlockDataF2B(ctx, locked, &data, &size, false), 0);
    free(data);

    /* signatures */
    uint8_t digest[32];
    memset(digest, 7, sizeof(digest));
    uint8_t* sig = NULL;
    int sig_sz = 0;
    uint8_t recid = 9;
    IS(zkGenECDSASigFromDigestWithRecID(ctx, digest, 0, &sig, &sig_sz, &recid), 0);
    IS(zkVerifyECDSASigFromDigest(ctx, digest, 0, sig, sig_sz), 1);
    free(sig);
    IS(zkGenECDSASigFromDigest(ctx, digest, 0, &sig, &sig_sz), 0);
    IS(zkVerifyECDSASigFromDigest(ctx, digest, 1, sig, sig_sz), 0);

    /* keys */
    uint8_t* pk = NULL;
    int pk_sz = 0;
    IS(zkExportPubKey(ctx, &pk, &pk_sz, 0, false), 0);
    int foreign = zkStoreForeignPubKey(ctx, ZK_NISTP256, pk, pk_sz);
    AT_LEAST(foreign, 0);
    IS(zkVerifyECDSASigFromDigestWithForeignKeySlot(ctx, digest, foreign, sig, sig_sz), 1);
    free(sig);
    uint8_t* secret = NULL;
    IS(zkDoRawECDH(ctx, 1, pk, pk_sz, &secret), 0);
    free(secret);
    IS(zkDoRawECDHWithIntPeerPubkey(ctx, 1, foreign, true, &secret), 0);
    free(secret);
    static const uint8_t salt[] = "salt";
    IS(zkDoECDHAndKDF(ctx, ZK_KDF_RFC5869_SHA256, 1, pk, pk_sz, salt, 4, salt, 4, 1, 32, &secret), 0);
    free(secret);
    IS(zkDoECDHAndKDFWithIntPeerPubkey(ctx, ZK_KDF_PBKDF2_SHA512, 1, foreign, true, salt, 4, NULL, 0, 2, 16, &secret), 0);
    free(secret);
    IS(zkDoRawECDH(ctx, 1, pk, 3, &secret), -22);
    free(pk);
    IS(zkGetECDSAPubKey(ctx, &pk, &pk_sz, 2), 0);
    free(pk);
    IS(zkSaveECDSAPubKey2File(ctx, pem, 0), 0);
    IS(zkExportPubKey2File(ctx, pem, foreign, true), 0);
    int max_keys = 0, *slots = NULL, n_slots = 0;
    IS(zkGetAllocSlotsList(ctx, false, &max_keys, &slots, &n_slots), 0);
    free(slots);
    IS(zkGetAllocSlotsList(ctx, true, &max_keys, &slots, &n_slots), 0);
    free(slots);
    IS(zkDisablePubKeyExport(ctx, foreign, true), 0);
    IS(zkRemoveKey(ctx, foreign, true), 0);
    int slot = zkGenKeyPair(ctx, ZK_ED25519);
    AT_LEAST(slot, 16);
    IS(zkRemoveKey(ctx, slot, false), 0);
    IS(zkExportPubKey(ctx, &pk, &pk_sz, slot, false), -2);
    IS(zkGenEphemeralKeyPair(ctx, ZK_X25519), 0);
    IS(zkInvalidateEphemeralKey(ctx), 0);

    /* wallets */
    char* mnemonic = NULL;
    int master = zkGenWalletMasterSeedWithBIP39(ctx, ZK_SECP256K1, "", "w1", NULL, 0, "", &mnemonic);
    AT_LEAST(master, 16);
    uint8_t* chain = NULL;
    int child = zkGenWalletChildKey(ctx, master, 3, true, true, &chain);
    AT_LEAST(child, 16);
    char *addr = NULL, *name = NULL;
    int root = 0, found = 0;
    IS(zkGetWalletNodeAddrFromKeySlot(ctx, child, &addr, &name, &root), 0);
    IS(zkGetWalletKeySlotFromNodeAddr(ctx, addr, name, 0, &found), 0);
    IS(found, child);
    IS(zkExportPubKey(ctx, &pk, &pk_sz, child, false), 0);
    AT_LEAST(zkGenOversightWallet(ctx, ZK_SECP256K1, "", pk, chain, addr, "watch"), 16);
    free(pk);
    free(chain);
    free(addr);
    free(name);
    IS(zkRemoveKey(ctx, master, false), 0);
    AT_LEAST(zkRestoreWalletMasterSeedFromBIP39Mnemonic(ctx, ZK_SECP256K1, "", "w1", NULL, 0, "", mnemonic), 16);
    free(mnemonic);
    IS(zkGenWalletMasterSeedWithSLIP39(ctx, ZK_NISTP256, "", "s1", NULL, 0, 1, 1, 0, ""), 0);
    IS(zkSetSLIP39GroupInfo(ctx, 0, 1, 1), 0);
    char* share = NULL;
    int slip_master = zkAddSLIP39MemberPassword(ctx, "", &share);
    AT_LEAST(slip_master, 16);
    IS(zkRemoveKey(ctx, slip_master, false), 0);
    IS(zkRestoreWalletMasterSeedFromSLIP39(ctx, ZK_NISTP256, "", "s1", NULL, 0, ""), -1);
    AT_LEAST(zkAddRestoreSLIP39Mnemonic(ctx, "", share), 16);
    free(share);
    IS(zkGenWalletMasterSeedWithSLIP39(ctx, ZK_NISTP256, "", "s2", NULL, 0, 1, 1, 0, ""), 0);
    IS(zkCancelSLIP39Session(ctx), 0);

    /* perimeter, LED, administration, sensors */
    IS(zkSetPerimeterEventAction(ctx, 1, ZK_PERIMETER_EVENT_ACTION_NOTIFY), 0);
    IS(zkSetDigitalPerimeterDetectLPPeriod(ctx, 100), 0);
    IS(zkSetDigitalPerimeterDetectLPMaxBits(ctx, 8), 0);
    IS(zkSetDigitalPerimeterDetectDelays(ctx, 10, 20), 0);
    IS(zkWaitForPerimeterEvent(ctx, 1), -110);
    uint32_t* stamps = NULL;
    int n_stamps = 0;
    IS(zkGetPerimeterDetectInfo(ctx, &stamps, &n_stamps), 0);
    free(stamps);
    IS(zkClearPerimeterDetectEvents(ctx), 0);
    IS(zkLEDOn(ctx), 0);
    IS(zkLEDFlash(ctx, 10, 10, 1), 0);
    IS(zkLEDOff(ctx), 0);
    IS(zkSetI2CAddr(ctx, 0x31), 0);
    uint32_t now = 0;
    IS(zkGetTime(ctx, &now, false), 0);
    IS(zkSetTapSensitivity(ctx, ZK_ACCEL_AXIS_X, 30.0f), 0);
    IS(zkWaitForTap(ctx, 1), -110);
    zkAccelAxisDataType x, y, z;
    IS(zkGetAccelerometerData(ctx, &x, &y, &z), 0);
    bool is_locked = true, is_bound = false;
    IS(zkGetCurrentBindingInfo(ctx, &is_locked, &is_bound), 0);
    char* text = NULL;
    IS(zkGetModelNumberString(ctx, &text), 0);
    free(text);
    IS(zkGetFirmwareVersionString(ctx, &text), 0);
    free(text);
    IS(zkGetSerialNumberString(ctx, &text), 0);
    free(text);
    float value = 0;
    IS(zkGetCPUTemp(ctx, &value), 0);
    IS(zkGetAUXTemp(ctx, 0, &value), 0);
    IS(zkGetRTCDrift(ctx, &value), 0);
    IS(zkGetBatteryVoltage(ctx, &value), 0);
    IS(zkSetBatteryVoltageAction(ctx, ZK_ACTION_NONE), 0);
    IS(zkSetBatteryVoltageThreshold(ctx, 2.5f), 0);
    IS(zkSetCPUTempAction(ctx, ZK_ACTION_NONE), 0);
    IS(zkSetCPULowTempThreshold(ctx, -10.0f), 0);
    IS(zkSetCPUHighTempThreshold(ctx, 65.0f), 0);

    /* supervised boot */
    IS(zkAddOrUpdateSupervisedBootFile(ctx, "kernel.img", 15), 0);
    IS(zkGetSupervisedBootFileManifest(ctx, &text), 0);
    free(text);
    IS(zkRemoveSupervisedBootFile(ctx, "kernel.img"), 0);
    IS(zkSetSupervisedBootPolicy(ctx, 0), 0);

    /* a child after fork() reconnects on its own; the parent's connection stays usable */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        bool l, b;
        _exit(zkGetCurrentBindingInfo(ctx, &l, &b) == 0 ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    expect("child after fork", WEXITSTATUS(status), WIFEXITED(status) && WEXITSTATUS(status) == 0);
    IS(zkLEDOff(ctx), 0);

    IS(zkLockBinding(ctx), 0);
    IS(zkClose(ctx), 0);

    free(plain);
    free(locked);
    free(back);
    free(rnd);
    free(pem);
    free(bootfile);
    return failures ? 1 : 0;
}
