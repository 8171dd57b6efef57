/*
 * example_host.c - the smallest complete host of the model-provider ABI,
 * built only from the installed header:
 *
 *     cc example_host.c $(pkg-config --cflags --libs model-provider) -o host
 *     ./host "$(pkg-config --variable=providerdir model-provider)/litellm_provider.so"
 *
 * It loads a provider, negotiates, initialises it with a log callback,
 * creates an instance, prints its (redacted) config, renders one event as
 * Strands JSON, and unloads everything in the order the header's host rules
 * ask for.  No network.  `make test` builds it against a `make install`ed
 * tree to prove the header and the pkg-config file are enough.
 */
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <model_provider.h>

static void on_log(void *ctx, int level, const char *message)
{
    (void)ctx;
    fprintf(stderr, "[provider %d] %s\n", level, message);
}

/* Print what the plugin writes; a text sink may be called several times. */
static int print_text(void *ctx, const char *data, size_t len)
{
    return fwrite(data, 1, len, (FILE *)ctx) == len ? 0 : 1;
}

static void report(const char *what, int rc, const mp_error *err)
{
    fprintf(stderr, "example_host: %s: %s: %s\n", what, mp_errname(rc),
            err ? err->message : "");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: example_host PROVIDER.so\n");
        return 2;
    }
    void *dl = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL); /* MP_HOST_1 */
    if (!dl) {
        fprintf(stderr, "example_host: %s\n", dlerror());
        return 1;
    }
    /* MP_HOST_2: the descriptor may be larger than this header's (a newer
     * minor appends fields) or exactly v1.0; every field used below is a
     * v1.0 one, so v1.0's size is what this host needs. */
    const size_t v10_size = offsetof(mp_provider_v1, event_to_json) +
                            sizeof(((mp_provider_v1 *)0)->event_to_json);
    mp_provider_entry_v1_fn entry =
        (mp_provider_entry_v1_fn)dlsym(dl, MP_ENTRY_SYMBOL_V1);
    uint32_t minor = MP_ABI_MINOR; /* the highest minor this host speaks */
    const mp_provider_v1 *p = NULL;
    int rc = entry ? entry(&minor, &p) : MP_E_VERSION;
    if (rc != MP_OK || p->struct_size < v10_size) {
        report("negotiate", rc, NULL);
        dlclose(dl);
        return 1;
    }
    printf("provider %s %s, ABI %u.%u\n", p->id, p->version, p->abi_major, minor);

    mp_host_v1 host = {sizeof host, NULL, on_log};
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = NULL;
    int status = 1;
    if ((rc = p->init(&host, &err)) != MP_OK) {
        report("init", rc, &err); /* a failed init owes no deinit */
        dlclose(dl);
        return 1;
    }
    rc = p->create("{\"model_id\":\"example\"}",
                   "{\"api_key\":\"sk-example-not-shown\"}", &inst, &err);
    if (rc != MP_OK) {
        report("create", rc, &err);
        goto unload;
    }
    mp_text_sink out = {sizeof out, stdout, print_text};
    if ((rc = p->get_config(inst, &out, &err)) != MP_OK) {
        report("get_config", rc, &err);
        goto unload;
    }
    printf("\n");
    mp_event_message_start ev = {{sizeof ev, MP_EVENT_MESSAGE_START, 0},
                                 MP_ROLE_ASSISTANT, 0};
    if ((rc = p->event_to_json(&ev.hdr, &out)) != MP_OK) {
        report("event_to_json", rc, NULL);
        goto unload;
    }
    printf("\n");
    status = 0;

unload:
    /* MP_HOST_6, on every path once init succeeded: instances, then
     * deinit, then dlclose. */
    p->destroy(inst); /* NULL (create failed) is a no-op */
    if ((rc = p->deinit()) != MP_OK) {
        report("deinit", rc, NULL);
        return 1; /* still in use: unloading now would be unsafe */
    }
    if (dlclose(dl) != 0) {
        fprintf(stderr, "example_host: dlclose: %s\n", dlerror());
        return 1;
    }
    if (status == 0)
        printf("unloaded\n");
    return status;
}
