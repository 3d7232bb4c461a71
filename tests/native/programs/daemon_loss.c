/*
 * Survives losing the daemon (c-api.md A5) with the default SIGPIPE disposition: opens a
 * context, then for each line read from stdin makes one call and prints its code. The
 * test kills and restarts the daemon between lines.
 */
#include <stdio.h>

#include "zk_app_utils.h"

int main(void)
{
    zkCTX ctx;
    char line[64];
    printf("open %d\n", zkOpen(&ctx));
    fflush(stdout);
    while (fgets(line, sizeof(line), stdin) != NULL) {
        printf("call %d\n", zkLEDOn(ctx));
        fflush(stdout);
    }
    printf("close %d\n", zkClose(ctx));
    return 0;
}
