/*
 * Physical security and the module itself: perimeter detection, LED, i2c address,
 * clock, taps and accelerometer, binding, identity strings, sensors and their monitors
 * (the methods of softscm.client.physical and Client's identity methods).
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* A wait given this timeout waits without limit (spec C4: zku's -1). */
#define ZK_WAIT_FOREVER 0xFFFFFFFFu
/* The action-flag bits zkSetPerimeterEventAction knows. */
#define ZK_PERIMETER_FLAGS (ZK_PERIMETER_EVENT_ACTION_NOTIFY | ZK_PERIMETER_EVENT_ACTION_SELF_DESTRUCT)

/* A call with no arguments and no result. */
static int simple(zkCTX ctx, const char* op)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, op);
    return zk_call_void(c, &req);
}

/* A call with one int argument and no result. */
static int with_int(zkCTX ctx, const char* op, const char* name, int64_t v)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, op);
    zk_arg_int(&req, name, v);
    return zk_call_void(c, &req);
}

/* A call with one float argument and no result. */
static int with_float(zkCTX ctx, const char* op, const char* name, float v)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, op);
    zk_arg_double(&req, name, (double)v);
    return zk_call_void(c, &req);
}

/* A call with no arguments giving a float. */
static int reading(zkCTX ctx, const char* op, float* out)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL || out == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, op);
    return zk_call_float(c, &req, out);
}

/* A call with no arguments giving a string. */
static int string(zkCTX ctx, const char* op, char** out)
{
    zk_context* c = zk_ctx(ctx);
    if (out != NULL)
        *out = NULL;
    if (c == NULL || out == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, op);
    return zk_call_str(c, &req, out);
}

/* wait{kind, context, timeout_ms}: 0 for an event, -110 when the time ran out. */
static int wait_for(zkCTX ctx, const char* kind, uint32_t timeout_ms)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "wait");
    zk_arg_str(&req, "kind", kind);
    zk_arg_str(&req, "context", zk_host_context(c));
    zk_arg_int(&req, "timeout_ms", timeout_ms == ZK_WAIT_FOREVER ? -1 : (int64_t)timeout_ms);
    char* result = NULL;
    int rc = zk_call_str(c, &req, &result);
    if (rc == 0)
        rc = strcmp(result, "event") == 0     ? 0
             : strcmp(result, "timeout") == 0 ? -ETIMEDOUT
                                              : ZK_EPROTO;
    free(result);
    return rc;
}

/* ---- perimeter ---- */

int zkSetPerimeterEventAction(zkCTX ctx, int channel, uint32_t action_flags)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL || (action_flags & ~(uint32_t)ZK_PERIMETER_FLAGS) != 0)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "set_perimeter_event_actions");
    zk_arg_int(&req, "channel", channel);
    zk_arg_bool(&req, "notify", (action_flags & ZK_PERIMETER_EVENT_ACTION_NOTIFY) != 0);
    zk_arg_bool(&req, "self_destruct",
                (action_flags & ZK_PERIMETER_EVENT_ACTION_SELF_DESTRUCT) != 0);
    return zk_call_void(c, &req);
}

int zkSetDigitalPerimeterDetectLPPeriod(zkCTX ctx, int lp_period)
{
    return with_int(ctx, "set_digital_perimeter_lp_period", "lp_period", lp_period);
}

int zkSetDigitalPerimeterDetectLPMaxBits(zkCTX ctx, int max_num_bits)
{
    return with_int(ctx, "set_digital_perimeter_lp_max_bits", "max_num_bits", max_num_bits);
}

int zkSetDigitalPerimeterDetectDelays(zkCTX ctx, int min_delay_ns, int max_delay_ns)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "set_digital_perimeter_delays");
    zk_arg_int(&req, "min_delay_ns", min_delay_ns);
    zk_arg_int(&req, "max_delay_ns", max_delay_ns);
    return zk_call_void(c, &req);
}

int zkWaitForPerimeterEvent(zkCTX ctx, uint32_t timeout_ms)
{
    return wait_for(ctx, "perimeter", timeout_ms);
}

int zkGetPerimeterDetectInfo(zkCTX ctx, uint32_t** timestamps_sec, int* num_timestamps)
{
    zk_context* c = zk_ctx(ctx);
    if (timestamps_sec != NULL)
        *timestamps_sec = NULL;
    if (num_timestamps != NULL)
        *num_timestamps = 0;
    if (c == NULL || timestamps_sec == NULL || num_timestamps == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "perimeter_info");
    zk_ans ans;
    int rc = zk_call(c, &req, &ans);
    uint32_t n = 0;
    uint32_t* stamps = NULL;
    if (rc == 0)
        rc = mp_r_array(&ans.result, &n) && n <= 64 ? 0 : ZK_EPROTO;
    if (rc == 0) {
        stamps = malloc(n ? n * sizeof(uint32_t) : 1);
        if (stamps == NULL)
            rc = -ENOMEM;
    }
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        int64_t t;
        if (!mp_r_int(&ans.result, &t) || t < 0 || t > UINT32_MAX)
            rc = ZK_EPROTO;
        else
            stamps[i] = (uint32_t)t;
    }
    zk_ans_free(&ans);
    if (rc < 0) {
        free(stamps);
        return rc;
    }
    *timestamps_sec = stamps;
    *num_timestamps = (int)n;
    return 0;
}

int zkClearPerimeterDetectEvents(zkCTX ctx)
{
    return simple(ctx, "clear_perimeter_info");
}

/* ---- LED ---- */

int zkLEDOff(zkCTX ctx)
{
    return simple(ctx, "led_off");
}

int zkLEDOn(zkCTX ctx)
{
    return simple(ctx, "led_on");
}

int zkLEDFlash(zkCTX ctx, uint32_t on_ms, uint32_t off_ms, uint32_t num_flashes)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "led_flash");
    zk_arg_int(&req, "on_ms", on_ms);
    zk_arg_int(&req, "off_ms", off_ms);
    zk_arg_int(&req, "num_flashes", num_flashes);
    return zk_call_void(c, &req);
}

/* ---- administration, clock, accelerometer ---- */

int zkSetI2CAddr(zkCTX ctx, int addr)
{
    return with_int(ctx, "set_i2c_address", "address", addr);
}

int zkGetTime(zkCTX ctx, uint32_t* epoch_time_sec, bool precise_time)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL || epoch_time_sec == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "get_time");
    zk_arg_bool(&req, "precise", precise_time);
    zk_ans ans;
    int64_t t = 0;
    int rc = zk_call(c, &req, &ans);
    if (rc == 0)
        rc = mp_r_int(&ans.result, &t) && t >= 0 && t <= UINT32_MAX ? 0 : ZK_EPROTO;
    zk_ans_free(&ans);
    if (rc == 0)
        *epoch_time_sec = (uint32_t)t;
    return rc;
}

int zkSetTapSensitivity(zkCTX ctx, int axis, float pct)
{
    zk_context* c = zk_ctx(ctx);
    const char* name = zk_axis_name(axis);
    if (c == NULL || name == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "set_tap_sensitivity");
    zk_arg_str(&req, "axis", name);
    zk_arg_double(&req, "pct", (double)pct);
    return zk_call_void(c, &req);
}

int zkWaitForTap(zkCTX ctx, uint32_t timeout_ms)
{
    return wait_for(ctx, "tap", timeout_ms);
}

int zkGetAccelerometerData(zkCTX ctx, zkAccelAxisDataType* x, zkAccelAxisDataType* y,
                           zkAccelAxisDataType* z)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL || x == NULL || y == NULL || z == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "accelerometer");
    zk_ans ans;
    int rc = zk_call(c, &req, &ans);
    zkAccelAxisDataType axes[3];
    uint32_t n = 0;
    if (rc == 0 && !(mp_r_array(&ans.result, &n) && n == 3))
        rc = ZK_EPROTO;
    for (int i = 0; rc == 0 && i < 3; i++) {
        uint32_t pair = 0;
        int64_t direction = 0;
        if (!(mp_r_array(&ans.result, &pair) && pair == 2 &&
              mp_r_double(&ans.result, &axes[i].g) && mp_r_int(&ans.result, &direction) &&
              direction >= -1 && direction <= 1))
            rc = ZK_EPROTO;
        axes[i].tapDirection = (int)direction;
    }
    zk_ans_free(&ans);
    if (rc < 0)
        return rc;
    *x = axes[0];
    *y = axes[1];
    *z = axes[2];
    return 0;
}

/* ---- binding and identity ---- */

int zkLockBinding(zkCTX ctx)
{
    return simple(ctx, "lock_binding");
}

int zkGetCurrentBindingInfo(zkCTX ctx, bool* binding_is_locked, bool* is_bound)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL || binding_is_locked == NULL || is_bound == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "binding_info");
    zk_ans ans;
    bool locked = false, bound = false;
    uint32_t n = 0;
    int rc = zk_call(c, &req, &ans);
    if (rc == 0)
        rc = mp_r_array(&ans.result, &n) && n == 2 && mp_r_bool(&ans.result, &locked) &&
                     mp_r_bool(&ans.result, &bound)
                 ? 0
                 : ZK_EPROTO;
    zk_ans_free(&ans);
    if (rc == 0) {
        *binding_is_locked = locked;
        *is_bound = bound;
    }
    return rc;
}

int zkGetModelNumberString(zkCTX ctx, char** model_str)
{
    return string(ctx, "model_number", model_str);
}

int zkGetFirmwareVersionString(zkCTX ctx, char** fw_ver_str)
{
    return string(ctx, "firmware_version", fw_ver_str);
}

int zkGetSerialNumberString(zkCTX ctx, char** serial_num_str)
{
    return string(ctx, "serial_number", serial_num_str);
}

/* ---- sensors and monitors ---- */

int zkGetCPUTemp(zkCTX ctx, float* cpu_temp)
{
    return reading(ctx, "cpu_temp", cpu_temp);
}

int zkGetAUXTemp(zkCTX ctx, int index, float* aux_temp)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL || aux_temp == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "aux_temp");
    zk_arg_int(&req, "index", index);
    return zk_call_float(c, &req, aux_temp);
}

int zkGetRTCDrift(zkCTX ctx, float* rtc_drift)
{
    return reading(ctx, "rtc_drift", rtc_drift);
}

int zkGetBatteryVoltage(zkCTX ctx, float* batt_voltage)
{
    return reading(ctx, "battery_voltage", batt_voltage);
}

int zkSetBatteryVoltageAction(zkCTX ctx, int action)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL || action < ZK_ACTION_NONE || action > ZK_ACTION_SLEEP)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "set_battery_voltage_action");
    zk_arg_bool(&req, "sleep", action == ZK_ACTION_SLEEP);
    zk_arg_bool(&req, "self_destruct", action == ZK_ACTION_SELF_DESTRUCT);
    return zk_call_void(c, &req);
}

int zkSetBatteryVoltageThreshold(zkCTX ctx, float threshold)
{
    return with_float(ctx, "set_battery_voltage_threshold", "threshold", threshold);
}

int zkSetCPUTempAction(zkCTX ctx, int action)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL || action < ZK_ACTION_NONE || action > ZK_ACTION_SELF_DESTRUCT)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "set_cpu_temp_action");
    zk_arg_bool(&req, "self_destruct", action == ZK_ACTION_SELF_DESTRUCT);
    return zk_call_void(c, &req);
}

int zkSetCPULowTempThreshold(zkCTX ctx, float threshold)
{
    return with_float(ctx, "set_cpu_low_temp_threshold", "threshold", threshold);
}

int zkSetCPUHighTempThreshold(zkCTX ctx, float threshold)
{
    return with_float(ctx, "set_cpu_high_temp_threshold", "threshold", threshold);
}
