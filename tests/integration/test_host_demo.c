/*
 * test_host_demo.c - `make demo` (host-sample/demo/run.sh) in its offline
 * mode, as a newcomer runs it first: it must finish with status 0 and
 * show every step it promises.  Any LiteLLM or provider key in the
 * environment is removed so the test never calls a real model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "host_test.h"

static char *run_demo(int *status)
{
    static const char *const keys[] = {"LITELLM_API_BASE", "LITELLM_API_KEY",
        "LITELLM_PROXY_API_BASE", "LITELLM_PROXY_API_KEY", "LITELLM_MODEL", NULL};
    for (int i = 0; keys[i]; i++)
        unsetenv(keys[i]);
    /* At most 120 s (the demo takes a few): `timeout` ends the whole
     * process group, the demo's servers with it, and exits 124. */
    FILE *p = popen("timeout -k 10 120 '" LP_SOURCE_DIR "/host-sample/demo/run.sh' '"
                    LP_BUILD_DIR "' 2>&1", "r");
    assert_non_null(p);
    char *out = NULL, chunk[4096];
    size_t len = 0, n;
    ht_append(&out, &len, "", 0);
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        ht_append(&out, &len, chunk, n);
    int st = pclose(p);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    return out;
}

static void test_demo_offline(void **state)
{
    (void)state;
    int status;
    char *out = run_demo(&status);
    static const char *const steps[] = {
        "== 1. Start the scripted model server (no network, no API key) ==",
        "--- model call 1 on provider \"primary\" ---",
        /* two tool calls from one message, one with a thought signature */
        "[tool] calculator {\"expression\":\"1234567 * 7654321\"}  (thought signature "
        "R2VtaW5pVGhvdWdodFNpZw==)",
        "[tool] calculator -> 9449772114007",
        "[tool] word_count -> {\"words\":6,",
        /* the hot swap, then the final answer from the second provider */
        "[swap] the conversation (3 messages) moves from provider \"primary\" to \"backup\"",
        "--- model call 2 on provider \"backup\" ---",
        "1234567 × 7654321 = 9,449,772,114,007, and the sentence \"Strands agents call "
        "tools in parallel\" has 6 words.",
        /* the signature seen in the request the server received */
        "\"id\":\"call_calc__thought__R2VtaW5pVGhvdWdodFNpZw==\"",
        "The signature R2VtaW5pVGhvdWdodFNpZw== went back with its tool call (2 times",
        "--- model call 1 on provider \"replay_provider\" ---",
        "The replayed conversation is identical to the recorded one (4 messages",
        /* step 5: the conversation on the anthropic/ route, then back */
        "--- model call 1 on provider \"claude\" ---",
        "sent as \"call_calc\"",
        "[tool] calculator -> 9449772114008",
        "[swap] the conversation (7 messages) moves from provider \"claude\" to "
        "\"primary\"",
        "reasoningContent is not supported in multi-turn conversations",
        "Plus one, that is 9,449,772,114,008.",
        "\"type\":\"tool_use\",\"id\":\"call_calc\"",
        "\"tool_call_id\":\"toolu_demo01\"",
        "== Done ==",
    };
    const char *at = out;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        const char *found = strstr(at, steps[i]);
        if (!found || status != 0)
            fprintf(stderr, "demo exit %d%s; missing, in order: %s\n--- output\n%s\n",
                    status, status == 124 ? " (timed out after 120 s)" : "",
                    steps[i], out);
        assert_non_null(found);
        at = found + strlen(steps[i]);
    }
    assert_int_equal(status, 0);
    assert_null(strstr(out, "agent-host: ")); /* no error line anywhere */
    /* The commands it shows, to be copied, put no key on the command line
     * (ps would show it): the plugin reads the environment. */
    assert_null(strstr(out, "api_key"));
    assert_null(strstr(out, "sk-"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_offline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
