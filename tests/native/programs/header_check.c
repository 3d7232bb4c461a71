/* Builds with -std=c99 -Wall -Werror and as C++ (c-api.md A1); prints the size of
 * zkAccelAxisDataType and the key-type values zku passes. */
#include <stdio.h>

#include "zk_app_utils.h"
#include "zk_b64.h"

int main(void)
{
    zkAccelAxisDataType axis = {0.0, 0};
    bool flag = true;
    uint32_t word = 0;
    (void)axis;
    (void)flag;
    (void)word;
    printf("%d %d %d %d %d %d\n", (int)sizeof(zkAccelAxisDataType), ZK_NISTP256, ZK_SECP256R1,
           ZK_SECP256K1, ZK_ED25519, ZK_X25519);
    return 0;
}
