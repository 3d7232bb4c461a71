// Calls zkAppUtils::zkClass methods named on the command line, one line of output each:
// "<command> <result>", "<command> timeout <rc>" or "<command> error <rc>".
//   pubkey | sign DIGESTHEX | lock HEX | unlock HEX | wait MS | serial | slots | genkey |
//   remove SLOT | ecdh SLOT PEERHEX | kdf SLOT PEERHEX SALTHEX INFOHEX |
//   kdfint SLOT PEERSLOT SALTHEX | wallet NAME | child SLOT INDEX | nodeaddr SLOT |
//   keyslot ADDR NAME | foreign PUBHEX | verifyf DIGESTHEX SIGHEX SLOT | time |
//   perimeter | accel | slip39 NAME (one group of two shares, threshold 2; then restored
//   from them as NAME-restored)
#include <cstdio>
#include <cstdlib>
#include <string>

#include <zkAppUtilsClass.h>

using namespace zkAppUtils;

static std::string hex(const byteArray& bytes)
{
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < bytes.size(); i++) {
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 15];
    }
    return out;
}

static byteArray unhex(const std::string& text)
{
    byteArray out;
    for (size_t i = 0; i + 1 < text.size(); i += 2)
        out.push_back(static_cast<uint8_t>(std::strtoul(text.substr(i, 2).c_str(), NULL, 16)));
    return out;
}

static int slot_arg(const std::string& text) { return std::atoi(text.c_str()); }

int main(int argc, char** argv)
{
    zkClass* zk = NULL;
    try {
        zk = new zkClass();
    } catch (const zkAppUtilsException& e) {
        std::printf("open error %d\n", e.code());
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        std::string cmd = argv[i];
        std::string arg = (i + 1 < argc) ? argv[i + 1] : "";
        std::string arg2 = (i + 2 < argc) ? argv[i + 2] : "";
        std::string arg3 = (i + 3 < argc) ? argv[i + 3] : "";
        std::string arg4 = (i + 4 < argc) ? argv[i + 4] : "";
        try {
            if (cmd == "pubkey") {
                byteArray* pk = zk->exportPubKey(0, false);
                std::printf("pubkey %s\n", hex(*pk).c_str());
                delete pk;
            } else if (cmd == "sign") {
                i++;
                uint8_t recovery_id = 0xff;
                byteArray* sig = zk->genECDSASigFromDigest(unhex(arg), recovery_id, 0);
                std::printf("sign %s %d\n", hex(*sig).c_str(), recovery_id);
                delete sig;
            } else if (cmd == "lock") {
                i++;
                byteArray* blob = zk->lockData(unhex(arg));
                std::printf("lock %s\n", hex(*blob).c_str());
                delete blob;
            } else if (cmd == "unlock") {
                i++;
                byteArray* data = zk->unlockData(unhex(arg));
                std::printf("unlock %s\n", hex(*data).c_str());
                delete data;
            } else if (cmd == "wait") {
                i++;
                zk->waitForPerimeterEvent(static_cast<uint32_t>(std::atoi(arg.c_str())));
                std::printf("wait ok\n");
            } else if (cmd == "serial") {
                std::string* serial = zk->getSerialNumberString();
                std::printf("serial %s\n", serial->c_str());
                delete serial;
            } else if (cmd == "slots") {
                intArray* slots = zk->getAllocSlotsList(false);
                std::printf("slots");
                for (size_t k = 0; k < slots->size(); k++)
                    std::printf(" %d", (*slots)[k]);
                std::printf("\n");
                delete slots;
            } else if (cmd == "genkey") {
                std::printf("genkey %d\n", zk->genKeyPair(ZK_NISTP256));
            } else if (cmd == "remove") {
                i++;
                zk->removeKey(slot_arg(arg));
                std::printf("remove ok\n");
            } else if (cmd == "ecdh") {
                i += 2;
                byteArray* secret = zk->doRawECDH(slot_arg(arg), unhex(arg2));
                std::printf("ecdh %s\n", hex(*secret).c_str());
                delete secret;
            } else if (cmd == "kdf") {
                i += 4;
                byteArray* key = zk->doECDHAndKDF(ZK_KDF_RFC5869_SHA256, slot_arg(arg), unhex(arg2),
                                                  unhex(arg3), unhex(arg4), 1, 48);
                std::printf("kdf %s\n", hex(*key).c_str());
                delete key;
            } else if (cmd == "kdfint") {
                i += 3;
                byteArray* key = zk->doECDHAndKDFWithIntPeerPubkey(
                    ZK_KDF_PBKDF2_SHA256, slot_arg(arg), slot_arg(arg2), false, unhex(arg3),
                    byteArray(), 10, 32);
                std::printf("kdfint %s\n", hex(*key).c_str());
                delete key;
            } else if (cmd == "wallet") {
                i++;
                std::string mnemonic;
                int slot = zk->genWalletMasterSeed(ZK_SECP256K1, arg, recoveryStrategyBIP39(), &mnemonic);
                std::printf("wallet %d %s\n", slot, mnemonic.c_str());
            } else if (cmd == "child") {
                i += 2;
                byteArray chain_code;
                int slot = zk->genWalletChildKey(slot_arg(arg), static_cast<uint32_t>(slot_arg(arg2)), true,
                                                 true, &chain_code);
                std::printf("child %d %s\n", slot, hex(chain_code).c_str());
            } else if (cmd == "nodeaddr") {
                i++;
                std::string address, name;
                int master = zk->getWalletNodeAddrFromKeySlot(slot_arg(arg), &address, &name);
                std::printf("nodeaddr %s %s %d\n", address.c_str(), name.c_str(), master);
            } else if (cmd == "keyslot") {
                i += 2;
                std::printf("keyslot %d\n", zk->getWalletKeySlotFromNodeAddr(arg, arg2, 0));
            } else if (cmd == "foreign") {
                i++;
                std::printf("foreign %d\n", zk->storeForeignPubKey(ZK_NISTP256, unhex(arg)));
            } else if (cmd == "verifyf") {
                i += 3;
                bool ok = zk->verifyECDSASigFromDigest(unhex(arg), unhex(arg2), slot_arg(arg3), true);
                std::printf("verifyf %s\n", ok ? "true" : "false");
            } else if (cmd == "slip39") {
                i++;
                recoveryStrategySLIP39 strategy(1, 1, 0);
                int opened = zk->genWalletMasterSeed(ZK_SECP256K1, arg, strategy);
                int group = zk->setGenSLIP39GroupInfo(0, 2, 2);
                std::string first, second;
                int member1 = zk->addGenSLIP39Member("", &first);
                int member2 = zk->addGenSLIP39Member("", &second);
                int restoring = zk->restoreWalletMasterSeedFromMnemonic(ZK_SECP256K1, arg + "-restored",
                                                                        byteArray(), strategy);
                int share1 = zk->addRestoreSLIP39Mnemonic("", first);
                int share2 = zk->addRestoreSLIP39Mnemonic("", second);
                std::printf("slip39 %d %d %d %d %d %d %d\n", opened, group, member1, member2, restoring,
                            share1, share2);
            } else if (cmd == "time") {
                std::printf("time %u\n", zk->getTime(false));
            } else if (cmd == "perimeter") {
                uint32_t* stamps = NULL;
                int count = 0;
                zk->getPerimeterDetectInfo(&stamps, count);
                std::printf("perimeter");
                for (int k = 0; k < count; k++)
                    std::printf(" %u", stamps[k]);
                std::printf("\n");
                std::free(stamps);
            } else if (cmd == "accel") {
                accelData data;
                zk->getAccelerometerData(data);
                std::printf("accel %.6f %.6f %.6f %d %d %d\n", data.x, data.y, data.z, data.tapDirX,
                            data.tapDirY, data.tapDirZ);
            } else {
                std::printf("%s unknown\n", cmd.c_str());
            }
        } catch (const zkAppUtilsTimeoutException& e) {
            std::printf("%s timeout %d\n", cmd.c_str(), e.code());
        } catch (const zkAppUtilsException& e) {
            std::printf("%s error %d\n", cmd.c_str(), e.code());
        }
    }
    delete zk;
    return 0;
}
