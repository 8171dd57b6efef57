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

static int fail(const char *what, int rc, const mp_error *err)
{
    fprintf(stderr, "example_host: %s: %s: %s\n", what, mp_errname(rc),
            err ? err->message : "");
    return 1;
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
    mp_provider_entry_v1_fn entry =
        (mp_provider_entry_v1_fn)dlsym(dl, MP_ENTRY_SYMBOL_V1);
    uint32_t minor = MP_ABI_MINOR; /* the highest minor this host speaks */
    const mp_provider_v1 *p = NULL;
    int rc = entry ? entry(&minor, &p) : MP_E_VERSION;
    if (rc != MP_OK || p->struct_size < sizeof(mp_provider_v1))
        return fail("negotiate", rc, NULL);
    printf("provider %s %s, ABI %u.%u\n", p->id, p->version, p->abi_major, minor);

    mp_host_v1 host = {sizeof host, NULL, on_log};
    mp_error err = MP_ERROR_INIT;
    if ((rc = p->init(&host, &err)) != MP_OK)
        return fail("init", rc, &err);
    mp_instance *inst = NULL;
    rc = p->create("{\"model_id\":\"example\"}",
                   "{\"api_key\":\"sk-example-not-shown\"}", &inst, &err);
    if (rc != MP_OK)
        return fail("create", rc, &err);
    mp_text_sink out = {sizeof out, stdout, print_text};
    if ((rc = p->get_config(inst, &out, &err)) != MP_OK)
        return fail("get_config", rc, &err);
    printf("\n");
    mp_event_message_start ev = {{sizeof ev, MP_EVENT_MESSAGE_START, 0},
                                 MP_ROLE_ASSISTANT, 0};
    if ((rc = p->event_to_json(&ev.hdr, &out)) != MP_OK)
        return fail("event_to_json", rc, NULL);
    printf("\n");

    p->destroy(inst); /* MP_HOST_6: instances, then deinit, then dlclose */
    if ((rc = p->deinit()) != MP_OK)
        return fail("deinit", rc, NULL);
    if (dlclose(dl) != 0) {
        fprintf(stderr, "example_host: dlclose: %s\n", dlerror());
        return 1;
    }
    printf("unloaded\n");
    return 0;
}
