/*
 * The perimeter tutorial's Zymkey4/Zymkey5 program, as c-api.md section 8 describes it
 * (B): notify on channel 0, wait 1 s, read the timestamps, clear, close. Each call
 * prints "SUCCESS: <fn> - <rc>" or "FAILURE: <fn> - <rc>".
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
    report(zkSetPerimeterEventAction(ctx, 0, ZK_PERIMETER_EVENT_ACTION_NOTIFY),
           "zkSetPerimeterEventAction");
    int waited = zkWaitForPerimeterEvent(ctx, 1000);
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
    report(zkClearPerimeterDetectEvents(ctx), "zkClearPerimeterDetectEvents");
    report(zkClose(ctx), "zkClose");
    return 0;
}
