// Calls zkAppUtils::zkClass methods named on the command line, one line of output each:
// "<command> <result>", "<command> timeout <rc>" or "<command> error <rc>".
//   pubkey | sign DIGESTHEX | lock HEX | unlock HEX | wait MS | serial | slots
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
