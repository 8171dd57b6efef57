/*
 * bench_cold.c - cold start, one RESULT line for tests/bench/run.sh.
 *
 *   bench_cold PLUGIN_SO BARE_SO CYCLES [ALSO_SO]
 *
 * With libcurl already linked into the process (as in any host that uses
 * it), CYCLES times each, alternating: the plugin's whole life as a host
 * sees it (dlopen RTLD_NOW|RTLD_LOCAL, entry, init, create, destroy,
 * deinit, dlclose) and the bare object's (dlopen, libcurl's global init,
 * its cleanup, dlclose).  Wall time and minor page faults of each cycle;
 * medians, minimum and maximum printed.  The first cycle of each is a
 * warm-up (page cache, libcurl's one-time TLS library setup) and not
 * counted.  ALSO_SO (e.g. libjson-c.so) is loaded first, RTLD_GLOBAL,
 * for a host that has that library too; this program links only libcurl
 * (Makefile), so without it the process holds no json-c.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <curl/curl.h>

#include "../../abi/model_provider.h"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static long minor_faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

static int plugin_cycle(const char *path)
{
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        fprintf(stderr, "bench_cold: %s\n", dlerror());
        return -1;
    }
    mp_provider_entry_v1_fn entry =
        (mp_provider_entry_v1_fn)dlsym(dl, MP_ENTRY_SYMBOL_V1);
    const mp_provider_v1 *p = NULL;
    uint32_t minor = MP_ABI_MINOR;
    mp_host_v1 host = {sizeof host, NULL, NULL};
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = NULL;
    int rc = !entry || entry(&minor, &p) || p->init(&host, &err);
    if (!rc)
        rc = p->create("{\"model_id\":\"bench-1\"}",
                       "{\"api_base\":\"http://127.0.0.1:9\"}", &inst, &err);
    if (inst)
        p->destroy(inst);
    if (p && p->deinit())
        rc = -1;
    dlclose(dl);
    if (rc)
        fprintf(stderr, "bench_cold: the plugin's cycle failed: %s\n",
                err.message);
    return rc ? -1 : 0;
}

static int bare_cycle(const char *path)
{
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        fprintf(stderr, "bench_cold: %s\n", dlerror());
        return -1;
    }
    int (*init)(void) = (int (*)(void))dlsym(dl, "bare_init");
    void (*deinit)(void) = (void (*)(void))dlsym(dl, "bare_deinit");
    int rc = init && deinit ? init() : -1;
    if (!rc)
        deinit();
    dlclose(dl);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: bench_cold PLUGIN_SO BARE_SO CYCLES [ALSO_SO]\n");
        return 2;
    }
    int n = atoi(argv[3]);
    if (n < 1)
        return 2;
    if (argc == 5 && !dlopen(argv[4], RTLD_NOW | RTLD_GLOBAL)) {
        fprintf(stderr, "bench_cold: %s\n", dlerror());
        return 1;
    }
    /* libcurl is linked in: keep a reference so it stays for every
     * cycle, as in a host using it (the version string proves it). */
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    /* Per cycle: plugin and bare time, plugin and bare faults. */
    double *all[4];
    for (int k = 0; k < 4; k++)
        if (!(all[k] = calloc((size_t)n, sizeof *all[k])))
            return 1;
    double *pt = all[0], *bt = all[1], *pf = all[2], *bf = all[3];
    for (int i = -1; i < n; i++) {
        long f0 = minor_faults();
        double t0 = now_us();
        if (plugin_cycle(argv[1]))
            return 1;
        double t1 = now_us();
        long f1 = minor_faults();
        if (bare_cycle(argv[2]))
            return 1;
        double t2 = now_us();
        long f2 = minor_faults();
        if (i >= 0) {
            pt[i] = t1 - t0;
            bt[i] = t2 - t1;
            pf[i] = (double)(f1 - f0);
            bf[i] = (double)(f2 - f1);
        }
    }
    for (int k = 0; k < 4; k++)
        qsort(all[k], (size_t)n, sizeof *all[k], cmp_double);
    printf("RESULT cycles=%d plugin_us=%.1f plugin_min=%.1f plugin_max=%.1f "
           "bare_us=%.1f bare_min=%.1f bare_max=%.1f plugin_faults=%.0f "
           "bare_faults=%.0f libcurl=%s\n", n,
           pt[n / 2], pt[0], pt[n - 1], bt[n / 2], bt[0], bt[n - 1],
           pf[n / 2], bf[n / 2], v->version);
    for (int k = 0; k < 4; k++)
        free(all[k]);
    return 0;
}
