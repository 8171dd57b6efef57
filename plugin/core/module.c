/*
 * module.c - module lifecycle: the init count, logger and live-instance
 * count every plugin of this tree keeps (lp_module_state, in
 * provider_entry.h), plus libcurl's global setup on the first init and its
 * cleanup on the last deinit, so the .so can be unloaded and loaded again.
 */
#include "module.h"

#include <curl/curl.h>

#include "errors.h"
#include "provider_entry.h"
#include "../route/model_info_shared.h"
#include "../transport/http_transport.h"

static lp_module_state state;

/* The first init's global setup: libcurl's. */
static int curl_setup(const lp_logger *log, mp_error *err)
{
    CURLcode cc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (cc != CURLE_OK)
        return lp_fail(err, MP_E_INTERNAL, "curl_global_init failed: %s",
                       curl_easy_strerror(cc));
    const curl_version_info_data *vi = curl_version_info(CURLVERSION_NOW);
#ifdef CURL_VERSION_THREADSAFE
    if (!(vi->features & CURL_VERSION_THREADSAFE))
#endif
        lp_log(log, MP_LOG_DEBUG,
               "libcurl %s: global init is not thread-safe; the host "
               "must call init() while single-threaded", vi->version);
    return MP_OK;
}

/* The last deinit's: the proxies' shared answers, the transport's pooled
 * handles, then libcurl's global state. */
static void curl_teardown(void)
{
    mis_clear();
    lp_transport_pool_drain();
    curl_global_cleanup();
}

int lp_module_init(const mp_host_v1 *host, mp_error *err)
{
    return lp_module_state_init(&state, host, curl_setup, err);
}

int lp_module_deinit(void)
{
    return lp_module_state_deinit(&state, "", curl_teardown);
}

int lp_module_initialized(void)
{
    return state.init_count > 0;
}

const lp_logger *lp_module_logger(void)
{
    return &state.logger;
}

void lp_module_instance_added(void)
{
    atomic_fetch_add(&state.live_instances, 1);
}

void lp_module_instance_removed(void)
{
    atomic_fetch_sub(&state.live_instances, 1);
}
