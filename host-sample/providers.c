/* providers.c - provider slots and hot reload; see providers.h. */
#include "providers.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void prov_init(prov_slot *s, const char *name, const char *path,
               const char *config, const char *client_args)
{
    memset(s, 0, sizeof *s);
    s->name = name;
    s->path = path;
    s->config = config;
    s->client_args = client_args;
    pthread_mutex_init(&s->lock, NULL);
}

/* Steps 1 of the swap: a freshly loaded module with its instance. */
static int load_pair(prov_slot *s, const mp_host_v1 *host, hp_module **mod,
                     mp_instance **inst, char *why, size_t len)
{
    int rc = hp_module_load(s->path, MP_ABI_MINOR, host, mod, why, len);
    if (rc)
        return rc;
    mp_error err = MP_ERROR_INIT;
    rc = (*mod)->desc->create(s->config, s->client_args, inst, &err);
    if (rc) {
        snprintf(why, len, "%s: create failed: %s: %s", s->path,
                 mp_errname(rc), err.message);
        hp_module_unload(mod, NULL, 0);
    }
    return rc;
}

int prov_open(prov_slot *s, const mp_host_v1 *host, char *why, size_t len)
{
    int rc = load_pair(s, host, &s->mod, &s->inst, why, len);
    if (!rc)
        s->generation = 1;
    return rc;
}

void prov_acquire(prov_slot *s, prov_lease *l)
{
    pthread_mutex_lock(&s->lock);
    l->mod = s->mod;
    l->inst = s->inst;
    hp_call_begin(l->mod); /* under the lock: a reload cannot slip in */
    pthread_mutex_unlock(&s->lock);
}

void prov_release(prov_lease *l)
{
    hp_call_end(l->mod);
    l->mod = NULL;
    l->inst = NULL;
}

/* Step 3: wait for the old pair's calls, then destroy, deinit, dlclose.
 * A module whose deinit refuses cannot be unmapped (it says it still
 * holds state); it goes on the slot's `refused` list rather than being
 * forgotten, so prov_close can try again. */
static int retire(prov_slot *s, hp_module *mod, mp_instance *inst, char *why,
                  size_t len)
{
    struct timespec tick = {0, 2 * 1000 * 1000};
    while (atomic_load(&mod->in_flight) > 0)
        nanosleep(&tick, NULL);
    char copy[sizeof mod->copy_name];
    memcpy(copy, mod->copy_name, sizeof copy);
    mod->desc->destroy(inst);
    int rc = hp_module_unload(&mod, why, len);
    if (mod) { /* refused: still loaded and initialised */
        mod->next_refused = s->refused;
        s->refused = mod;
        size_t used = strnlen(why, len);
        snprintf(why + used, len - used, "; it stays loaded and is tried "
                 "again when the host closes \"%s\"", s->name);
    } else if (rc == MP_OK && hp_path_is_mapped(copy)) {
        snprintf(why, len, "the old module (%s) is still mapped after "
                 "dlclose: something pins it, and its static state stays",
                 copy);
        rc = MP_E_INTERNAL;
    }
    return rc;
}

int prov_reload(prov_slot *s, const mp_host_v1 *host, char *why, size_t len)
{
    hp_module *mod = NULL;
    mp_instance *inst = NULL;
    int rc = load_pair(s, host, &mod, &inst, why, len);
    if (rc) {
        size_t used = strnlen(why, len);
        snprintf(why + used, len - used, "; \"%s\" keeps the module it had",
                 s->name);
        return rc;
    }

    pthread_mutex_lock(&s->lock); /* step 2: route new calls */
    hp_module *old_mod = s->mod;
    mp_instance *old_inst = s->inst;
    s->mod = mod;
    s->inst = inst;
    unsigned gen = ++s->generation;
    pthread_mutex_unlock(&s->lock);

    char detail[768] = "";
    int busy = atomic_load(&old_mod->in_flight);
    rc = retire(s, old_mod, old_inst, detail, sizeof detail);
    if (rc)
        snprintf(why, len, "%s: reloaded (generation %u), but retiring the "
                 "old module failed: %s", s->name, gen, detail);
    else
        snprintf(why, len, "%s: reloaded %s (generation %u, %s %s); the old "
                 "module was unloaded%s", s->name, s->path, gen,
                 mod->desc->id, mod->desc->version,
                 busy ? " after its calls in flight finished" : "");
    return rc;
}

/* Append "; text" (or just text, first) to why. */
static void add_reason(char *why, size_t len, const char *text)
{
    size_t used = strnlen(why, len);
    snprintf(why + used, len - used, "%s%s", used ? "; " : "", text);
}

int prov_close(prov_slot *s, char *why, size_t len)
{
    int rc = MP_OK;
    char detail[512];
    if (len)
        why[0] = '\0';
    if (s->mod) {
        s->mod->desc->destroy(s->inst);
        s->inst = NULL;
        detail[0] = '\0';
        rc = hp_module_unload(&s->mod, detail, sizeof detail);
        if (rc)
            add_reason(why, len, detail);
    }
    for (hp_module **link = &s->refused; *link;) {
        hp_module *m = *link, *next = m->next_refused;
        detail[0] = '\0';
        int r = hp_module_unload(&m, detail, sizeof detail);
        if (m) { /* refused again: it stays until the process exits */
            link = &m->next_refused;
            char line[640];
            snprintf(line, sizeof line, "an old module retired at a reload "
                     "could not be unloaded: %s", detail);
            add_reason(why, len, line);
        } else {
            *link = next;
            if (r)
                add_reason(why, len, detail);
        }
        if (r && rc == MP_OK)
            rc = r;
    }
    pthread_mutex_destroy(&s->lock);
    return rc;
}
