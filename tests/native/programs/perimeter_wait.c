/*
 * The perimeter tutorial's HSM4/HSM6 program, as c-api.md section 8 describes it (A):
 * clear the breach records, notify on channel 0, wait up to 10 s for a breach, print
 * the timestamps if the wait reported one, close. Each call prints
 * "SUCCESS: <fn> - <rc>" or "FAILURE: <fn> - <rc>".
 */
#include <stdio.h>

#include "zk_app_utils.h"

static void report(int rc, const char* fn)
{
    printf("%s: %s - %d\n", rc < 0 ? "FAILURE" : "SUCCESS", fn, rc);
}

int main(void)
{
    zkCTX ctx;
    report(zkOpen(&ctx), "zkOpen");
    report(zkClearPerimeterDetectEvents(ctx), "zkClearPerimeterDetectEvents");
    report(zkSetPerimeterEventAction(ctx, 0, ZK_PERIMETER_EVENT_ACTION_NOTIFY),
           "zkSetPerimeterEventAction");
    int waited = zkWaitForPerimeterEvent(ctx, 10000);
    report(waited, "zkWaitForPerimeterEvent");
    uint32_t* stamps;
    int count;
    report(zkGetPerimeterDetectInfo(ctx, &stamps, &count), "zkGetPerimeterDetectInfo");
    if (waited == 0) {
        printf("Perimeter breach detected!\n");
        for (int i = 0; i < count; i++)
            printf("Channel %d breach timestamp = %d\n", i, (int)stamps[i]);
        printf("\n");
    }
    report(zkClose(ctx), "zkClose");
    return 0;
}
