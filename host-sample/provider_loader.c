/* provider_loader.c - load, negotiate, unload plugins; see
 * provider_loader.h. */
#include "provider_loader.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Write all `n` bytes: write() may take fewer (a signal, a file size
 * limit).  0, or -1 with errno set (EIO when write() gave none). */
static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Copy `src` to a new private file and return its path (malloc'd).
 * mkstemps picks an unpredictable name and creates it with O_EXCL, so
 * nobody else can plant or swap the file we are about to map. */
static char *private_copy(const char *src, char *errbuf, size_t errlen)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        snprintf(errbuf, errlen, "%s: cannot open: %s", src, strerror(errno));
        return NULL;
    }
    const char *tmp = getenv("TMPDIR");
    char *dst = NULL;
    if (asprintf(&dst, "%s/mp-plugin-%d-XXXXXX.so", tmp && *tmp ? tmp : "/tmp",
                 (int)getpid()) < 0) {
        close(in);
        snprintf(errbuf, errlen, "out of memory");
        return NULL;
    }
    int out = mkstemps(dst, 3);
    const char *failed = out < 0 ? "cannot create" : NULL;
    int saved = out < 0 ? errno : 0;
    char buf[65536];
    while (!failed) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n == 0)
            break;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            failed = "cannot read";
            saved = errno;
        } else if (write_all(out, buf, (size_t)n) != 0) {
            failed = "cannot write";
            saved = errno;
        }
    }
    if (out >= 0 && close(out) != 0 && !failed) {
        failed = "cannot write";
        saved = errno;
    }
    close(in);
    if (failed) {
        if (!saved)
            saved = EIO; /* never report a stale or empty errno */
        if (strcmp(failed, "cannot read") == 0)
            snprintf(errbuf, errlen, "%s: cannot read: %s", src, strerror(saved));
        else
            snprintf(errbuf, errlen, "%s: %s its private copy %s: %s", src,
                     failed, dst, strerror(saved));
        if (out >= 0)
            unlink(dst);
        free(dst);
        return NULL;
    }
    return dst;
}

/* Whether the descriptor has every operation a host of `minor` may call;
 * the name of the first missing one otherwise. */
static const char *missing_operation(const mp_provider_v1 *d, uint32_t minor)
{
    if (!d->init) return "init";
    if (!d->deinit) return "deinit";
    if (!d->create) return "create";
    if (!d->destroy) return "destroy";
    if (!d->update_config) return "update_config";
    if (!d->get_config) return "get_config";
    if (!d->stream) return "stream";
    if (!d->structured_output) return "structured_output";
    if (!d->cancel) return "cancel";
    if (!d->get_extension) return "get_extension";
    if (!d->event_to_json) return "event_to_json";
    if (minor < 1) return NULL;
    if (!d->errname) return "errname";
    if (!d->strerror) return "strerror";
    if (!d->error_to_json) return "error_to_json";
    if (!d->stream_json) return "stream_json";
    if (!d->accumulator_create) return "accumulator_create";
    if (!d->accumulator_add) return "accumulator_add";
    if (!d->accumulator_result) return "accumulator_result";
    if (!d->accumulator_destroy) return "accumulator_destroy";
    return NULL;
}

size_t hp_descriptor_size(uint32_t minor)
{
    /* Every field the minor defines, up to and including its last one. */
    if (minor == 0)
        return offsetof(mp_provider_v1, event_to_json) +
               sizeof(((mp_provider_v1 *)0)->event_to_json);
    return offsetof(mp_provider_v1, accumulator_destroy) +
           sizeof(((mp_provider_v1 *)0)->accumulator_destroy);
}

int hp_negotiate(mp_provider_entry_v1_fn entry, uint32_t host_minor,
                 const mp_provider_v1 **desc, uint32_t *minor, char *why,
                 size_t len)
{
    const mp_provider_v1 *d = NULL;
    uint32_t answer = host_minor;
    int rc = entry(&answer, &d);
    const char *missing = NULL;
    if (rc == MP_E_VERSION)
        snprintf(why, len, "incompatible provider: it needs a newer ABI than "
                 "1.%u, the newest this host speaks", host_minor);
    else if (rc)
        snprintf(why, len, "the entry function failed: %s", mp_errname(rc));
    else if (!d)
        snprintf(why, len, "the entry function gave no descriptor");
    else if (d->abi_major != MP_ABI_MAJOR)
        snprintf(why, len, "incompatible provider: its descriptor is for ABI "
                 "major %u, not %d", d->abi_major, MP_ABI_MAJOR);
    else if (answer > host_minor)
        snprintf(why, len, "incompatible provider: it answered ABI 1.%u when "
                 "the host offered 1.%u", answer, host_minor);
    else if (d->struct_size < hp_descriptor_size(answer))
        snprintf(why, len, "malformed descriptor: struct_size %u is smaller "
                 "than ABI 1.%u's %zu", d->struct_size, answer,
                 hp_descriptor_size(answer));
    else if ((missing = missing_operation(d, answer)))
        snprintf(why, len, "malformed descriptor: no %s operation", missing);
    else {
        *desc = d;
        *minor = answer;
        return MP_OK;
    }
    return rc ? rc : MP_E_VERSION;
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
    snprintf(copy_name, sizeof copy_name, "%s", strrchr(copy, '/') + 1);
    free(copy);
    if (!dl) {
        snprintf(errbuf, errlen, "%s: not a loadable shared object: %s", path,
                 dlerror());
        return MP_E_INVALID_ARGUMENT;
    }
    mp_provider_entry_v1_fn entry =
        (mp_provider_entry_v1_fn)dlsym(dl, MP_ENTRY_SYMBOL_V1);
    const mp_provider_v1 *desc = NULL;
    uint32_t minor = 0;
    char why[256];
    int rc = entry ? hp_negotiate(entry, host_minor, &desc, &minor, why, sizeof why)
                   : MP_E_VERSION;
    if (!entry)
        snprintf(why, sizeof why, "not a model provider for ABI major %d (no "
                 "%s symbol)", MP_ABI_MAJOR, MP_ENTRY_SYMBOL_V1);
    hp_module *m = rc ? NULL : calloc(1, sizeof *m);
    if (!rc && (!m || !(m->path = strdup(path)))) {
        free(m);
        snprintf(why, sizeof why, "out of memory");
        rc = MP_E_NO_MEMORY;
    }
    if (rc) {
        snprintf(errbuf, errlen, "%s: %s", path, why);
        dlclose(dl);
        return rc;
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
        hp_module_unload(&m, NULL, 0); /* not initialised: only dlclose */
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
        m->initialised = 0;
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
