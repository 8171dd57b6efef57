/* provider_loader.c - load, negotiate, unload plugins; see
 * provider_loader.h. */
#include "provider_loader.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static atomic_uint copy_counter;

/* Copy `src` to a fresh private file and return its path (malloc'd). */
static char *private_copy(const char *src, char *errbuf, size_t errlen)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        snprintf(errbuf, errlen, "%s: cannot open: %s", src, strerror(errno));
        return NULL;
    }
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    char *dst = NULL;
    if (asprintf(&dst, "%s/mp-plugin-%d-%u.so", tmp, (int)getpid(),
                 atomic_fetch_add(&copy_counter, 1)) < 0) {
        close(in);
        snprintf(errbuf, errlen, "out of memory");
        return NULL;
    }
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
    int ok = out >= 0;
    char buf[65536];
    ssize_t n;
    while (ok && (n = read(in, buf, sizeof buf)) != 0) {
        if (n < 0 || write(out, buf, (size_t)n) != n)
            ok = 0;
    }
    if (out >= 0 && close(out) != 0)
        ok = 0;
    close(in);
    if (!ok) {
        snprintf(errbuf, errlen, "%s: cannot copy to %s: %s", src, dst,
                 strerror(errno));
        unlink(dst);
        free(dst);
        return NULL;
    }
    return dst;
}

int hp_module_load(const char *path, uint32_t host_minor,
                   const mp_host_v1 *host, hp_module **out, char *errbuf,
                   size_t errlen)
{
    *out = NULL;
    char *copy = private_copy(path, errbuf, errlen);
    if (!copy)
        return MP_E_INVALID_ARGUMENT;
    void *dl = dlopen(copy, RTLD_NOW | RTLD_LOCAL);
    unlink(copy); /* the mapping stays; nothing is left on disk */
    char copy_name[64];
    const char *slash = strrchr(copy, '/');
    snprintf(copy_name, sizeof copy_name, "%s", slash ? slash + 1 : copy);
    free(copy);
    if (!dl) {
        snprintf(errbuf, errlen, "%s: not a loadable shared object: %s", path,
                 dlerror());
        return MP_E_INVALID_ARGUMENT;
    }
    mp_provider_entry_v1_fn entry =
        (mp_provider_entry_v1_fn)dlsym(dl, MP_ENTRY_SYMBOL_V1);
    if (!entry) {
        snprintf(errbuf, errlen, "%s: not a model provider for ABI major %d "
                 "(no %s symbol)", path, MP_ABI_MAJOR, MP_ENTRY_SYMBOL_V1);
        dlclose(dl);
        return MP_E_VERSION;
    }
    uint32_t minor = host_minor;
    const mp_provider_v1 *desc = NULL;
    int rc = entry(&minor, &desc);
    if (rc || !desc) {
        snprintf(errbuf, errlen, "%s: incompatible provider: it cannot speak "
                 "ABI 1.%u or older (%s)", path, host_minor, mp_errname(rc));
        dlclose(dl);
        return rc ? rc : MP_E_VERSION;
    }
    if (desc->struct_size < offsetof(mp_provider_v1, event_to_json) ||
        desc->abi_major != MP_ABI_MAJOR || minor > host_minor) {
        snprintf(errbuf, errlen, "%s: malformed descriptor (struct_size %u, "
                 "major %u, minor %u)", path, desc->struct_size,
                 desc->abi_major, minor);
        dlclose(dl);
        return MP_E_VERSION;
    }
    hp_module *m = calloc(1, sizeof *m);
    if (!m || !(m->path = strdup(path))) {
        free(m);
        dlclose(dl);
        snprintf(errbuf, errlen, "out of memory");
        return MP_E_NO_MEMORY;
    }
    m->dl = dl;
    memcpy(m->copy_name, copy_name, sizeof copy_name);
    m->desc = desc;
    m->minor = minor;
    atomic_init(&m->in_flight, 0);
    mp_error err = MP_ERROR_INIT;
    rc = desc->init(host, &err);
    if (rc) {
        snprintf(errbuf, errlen, "%s: init failed: %s: %s", path,
                 mp_errname(rc), err.message);
        hp_module *tmp = m;
        hp_module_unload(&tmp, NULL, 0);
        return rc;
    }
    m->initialised = 1;
    *out = m;
    return MP_OK;
}

int hp_module_unload(hp_module **mp, char *errbuf, size_t errlen)
{
    hp_module *m = *mp;
    if (!m)
        return MP_OK;
    int busy = atomic_load(&m->in_flight);
    if (busy > 0) {
        if (errbuf)
            snprintf(errbuf, errlen, "%s: %d call(s) still running; not "
                     "unloading", m->path, busy);
        return MP_E_BUSY;
    }
    if (m->initialised) {
        int rc = m->desc->deinit();
        if (rc) {
            if (errbuf)
                snprintf(errbuf, errlen, "%s: deinit refused: %s (instances "
                         "still exist?)", m->path, mp_errname(rc));
            return rc;
        }
    }
    int rc = MP_OK;
    if (dlclose(m->dl) != 0) {
        if (errbuf)
            snprintf(errbuf, errlen, "%s: dlclose failed: %s", m->path, dlerror());
        rc = MP_E_INTERNAL;
    }
    free(m->path);
    free(m);
    *mp = NULL;
    return rc;
}

int hp_path_is_mapped(const char *fragment)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return 0;
    char line[4096];
    int found = 0;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, fragment) != NULL;
    fclose(f);
    return found;
}
