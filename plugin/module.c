/*
 * module.c - module lifecycle.
 *
 * init/deinit are reference-counted and, by ABI rule MP_HOST_3, never run
 * concurrently with any other call, so the counters need no lock; live
 * instances are counted atomically because instances may be created and
 * destroyed on several threads.  The last deinit undoes everything the
 * first init did, so the .so can be unloaded and loaded again.
 */
#include "module.h"

#include <curl/curl.h>
#include <stdatomic.h>
#include <string.h>

#include "errors.h"

static int init_count;
static lp_logger logger;
static atomic_int live_instances;

int lp_module_init(const mp_host_v1 *host, mp_error *err)
{
    lp_error_clear(err);
    if (host && host->struct_size < LP_V10_SIZE(mp_host_v1, log))
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "init: host struct_size %u "
                       "is smaller than mp_host_v1 of ABI 1.0 (%zu)",
                       host->struct_size, LP_V10_SIZE(mp_host_v1, log));
    if (init_count == 0) {
        /* Only the first init's host is kept (the header says so): nested
         * inits share one module and so one log. */
        memset(&logger, 0, sizeof logger);
        if (host) {
            logger.fn = host->log;
            logger.ctx = host->log_ctx;
        }
        CURLcode cc = curl_global_init(CURL_GLOBAL_DEFAULT);
        if (cc != CURLE_OK)
            return lp_fail(err, MP_E_INTERNAL, "curl_global_init failed: %s",
                           curl_easy_strerror(cc));
        const curl_version_info_data *vi = curl_version_info(CURLVERSION_NOW);
#ifdef CURL_VERSION_THREADSAFE
        if (!(vi->features & CURL_VERSION_THREADSAFE))
#endif
            lp_log(&logger, MP_LOG_DEBUG,
                   "libcurl %s: global init is not thread-safe; the host "
                   "must call init() while single-threaded", vi->version);
    }
    init_count++;
    return MP_OK;
}

int lp_module_deinit(void)
{
    if (init_count == 0)
        return MP_OK; /* unbalanced deinit: harmless */
    if (init_count == 1 && atomic_load(&live_instances) > 0) {
        lp_log(&logger, MP_LOG_ERROR,
               "deinit refused: %d instance(s) still exist; destroy them first",
               atomic_load(&live_instances));
        return MP_E_BUSY;
    }
    if (--init_count == 0) {
        curl_global_cleanup();
        memset(&logger, 0, sizeof logger);
    }
    return MP_OK;
}

int lp_module_initialized(void)
{
    return init_count > 0;
}

const lp_logger *lp_module_logger(void)
{
    return &logger;
}

void lp_module_instance_added(void)
{
    atomic_fetch_add(&live_instances, 1);
}

void lp_module_instance_removed(void)
{
    atomic_fetch_sub(&live_instances, 1);
}
