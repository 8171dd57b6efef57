/*
 * test_json_locale.c - every json-c parse in the plugin runs without
 * glibc's process-wide locale lock, and the host never sees a locale
 * change (issue 15).
 *
 * json-c 0.16 calls duplocale() on the thread's locale at every parse.
 * glibc's duplocale takes its global locale lock unless it is given the C
 * locale object, which it hands back untouched; with hundreds of streaming
 * threads that lock dominated the CPU profile.  This program defines its
 * own duplocale() (json-c's call lands here, the linker exports it) that
 * counts the calls the lock would be taken for, then passes each on to
 * glibc's.
 *
 * Also checked: under a decimal-comma locale, set for the process or only
 * for the thread, numbers still read right; the thread's locale after a
 * parse is the one it had before; and the host's event callback, called
 * while a stream is being parsed, sees the host's own locale.
 */
#include <dlfcn.h>
#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdatomic.h>
#include <stdio.h>

#include "../../plugin/core/error_classify.h"
#include "../../plugin/core/json_util.h"
#include "../support/comma_locale.h"
#include "test_chunk_recorder.h"

/* ------------------------------------------------ the duplocale counter */

static atomic_int locked_dups; /* duplocale calls glibc takes its lock for */
static atomic_int all_dups;

locale_t duplocale(locale_t l)
{
    static locale_t (*real)(locale_t);
    if (!real)
        real = (locale_t(*)(locale_t))dlsym(RTLD_NEXT, "duplocale");
    atomic_fetch_add(&all_dups, 1);
    if (l != newlocale(LC_ALL_MASK, "C", (locale_t)0))
        atomic_fetch_add(&locked_dups, 1);
    return real(l);
}

static void reset_counts(void)
{
    atomic_store(&locked_dups, 0);
    atomic_store(&all_dups, 0);
}

static const char doc[] = "{\"a\":1.5,\"b\":[2.25e1,-0.125],\"c\":\"x\"}";

static void assert_numbers(json_object *v)
{
    json_object *a, *b;
    assert_true(json_object_object_get_ex(v, "a", &a));
    assert_true(json_object_object_get_ex(v, "b", &b));
    assert_true(json_object_get_double(a) == 1.5);
    assert_true(json_object_get_double(json_object_array_get_idx(b, 0)) == 22.5);
    assert_true(json_object_get_double(json_object_array_get_idx(b, 1)) == -0.125);
}

/* ------------------------------------------------------------ the tests */

/* The counter works: json-c called straight takes the lock (this is what
 * the plugin did before; if json-c stops duplicating locales the other
 * tests here no longer prove anything, and this one says so). */
static void test_counter_sees_json_c(void **state)
{
    (void)state;
    reset_counts();
    json_tokener *tok = json_tokener_new();
    json_object *v = json_tokener_parse_ex(tok, doc, (int)strlen(doc));
    assert_non_null(v);
    json_object_put(v);
    json_tokener_free(tok);
    assert_true(atomic_load(&all_dups) >= 1);
    assert_true(atomic_load(&locked_dups) >= 1);
}

/* Host JSON (request, config, schema), an error body and an error inside
 * a stream (json-c, through lp_json_tokener_parse): none takes the lock.
 * The streamed chunks and a whole answer's check are read by the answers'
 * reader (json_reader.h), which calls no locale function at all. */
static void test_plugin_parses_take_no_lock(void **state)
{
    (void)state;
    reset_counts();
    json_object *v = NULL;
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(lp_json_parse(doc, (size_t)-1, "test", &v, &err), MP_OK);
    assert_numbers(v);
    json_object_put(v);

    const char eb[] = "{\"error\":{\"message\":\"slow down\",\"code\":429}}";
    mp_error e2 = MP_ERROR_INIT;
    assert_int_not_equal(ec_classify_http(429, eb, strlen(eb), NULL, NULL, &e2),
                         MP_OK);

    recorder r;
    rec_init(&r, NULL);
    const char *failing[] = {
        "{`error`:{`message`:`overloaded`,`code`:529,`x`:1.5}}", NULL};
    assert_int_not_equal(rec_chunks(&r, failing, 1), MP_OK);
    rec_free(&r);
    assert_true(atomic_load(&all_dups) >= 3); /* json-c still asked */
    assert_int_equal(atomic_load(&locked_dups), 0);

    reset_counts();
    rec_init(&r, NULL);
    const char *chunks[] = {
        "{`choices`:[{`index`:0,`delta`:{`content`:`hi`},`finish_reason`:null}]}",
        "{`choices`:[{`index`:0,`delta`:{},`finish_reason`:`stop`}],"
        "`usage`:{`prompt_tokens`:1,`completion_tokens`:1,`cost`:0.25}}", NULL};
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    rec_free(&r);
    const char body[] = "{\"choices\":[{\"message\":{\"content\":\"{}\"}}]}";
    assert_int_equal(cm_check_single_choice(body, strlen(body), &err), MP_OK);
    assert_int_equal(atomic_load(&all_dups), 0);
}

/* The process locale has a decimal comma: numbers read right, the thread
 * is back on the global locale afterwards, and the process locale is
 * untouched. */
static void test_global_comma_locale(void **state)
{
    (void)state;
    if (!it_use_comma_locale())
        skip();
    assert_string_equal(localeconv()->decimal_point, ",");
    json_object *v = NULL;
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(lp_json_parse(doc, (size_t)-1, "test", &v, &err), MP_OK);
    assert_numbers(v);
    json_object_put(v);
    assert_true(uselocale((locale_t)0) == LC_GLOBAL_LOCALE);
    assert_string_equal(localeconv()->decimal_point, ",");
    it_leave_comma_locale();
}

/* The event callback runs while the plugin is parsing a stream: it must
 * see the host thread's own locale, never the C locale the parse used. */
static locale_t host_locale;
static int callback_saw_other;

static int on_event_checking_locale(void *ctx, const mp_event_header *ev)
{
    if (uselocale((locale_t)0) != host_locale ||
        strcmp(localeconv()->decimal_point, ",") != 0)
        callback_saw_other++;
    return rec_on_event(ctx, ev);
}

/* The host thread alone uses a decimal-comma locale (uselocale). */
static void test_thread_comma_locale(void **state)
{
    (void)state;
    if (!it_use_comma_locale())
        skip();
    char name[64];
    snprintf(name, sizeof name, "%s", setlocale(LC_NUMERIC, NULL));
    locale_t comma = newlocale(LC_ALL_MASK, name, (locale_t)0);
    it_leave_comma_locale(); /* the process is back on "C"; the thread not */
    if (!comma)
        skip();
    locale_t before = uselocale(comma);
    host_locale = comma;
    callback_saw_other = 0;
    assert_string_equal(localeconv()->decimal_point, ",");

    json_object *v = NULL;
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(lp_json_parse(doc, (size_t)-1, "test", &v, &err), MP_OK);
    assert_numbers(v);
    json_object_put(v);
    assert_true(uselocale((locale_t)0) == comma);

    recorder r;
    rec_init(&r, NULL);
    r.sink.on_event = on_event_checking_locale;
    const char *chunks[] = {
        "{`choices`:[{`index`:0,`delta`:{`content`:`a`},`finish_reason`:null}]}",
        "{`choices`:[{`index`:0,`delta`:{`content`:`b`},`finish_reason`:`stop`}],"
        "`usage`:{`prompt_tokens`:3,`completion_tokens`:2,`total_tokens`:5,`cost`:0.5}}",
        NULL};
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_true(r.count >= 5);
    assert_int_equal(callback_saw_other, 0);
    rec_free(&r);
    assert_true(uselocale((locale_t)0) == comma);
    assert_string_equal(localeconv()->decimal_point, ",");

    uselocale(before);
    freelocale(comma);
}

/* Many threads parsing at once (run under make tsan as well): each gets
 * the right numbers and keeps its own locale. */
static void *parse_many(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200; i++) {
        json_object *v = NULL;
        mp_error err = MP_ERROR_INIT;
        if (lp_json_parse(doc, (size_t)-1, "test", &v, &err) != MP_OK)
            return (void *)1;
        json_object *a;
        int ok = json_object_object_get_ex(v, "a", &a) &&
                 json_object_get_double(a) == 1.5;
        json_object_put(v);
        if (!ok || uselocale((locale_t)0) != LC_GLOBAL_LOCALE)
            return (void *)1;
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    reset_counts();
    pthread_t t[8];
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&t[i], NULL, parse_many, NULL), 0);
    for (int i = 0; i < 8; i++) {
        void *res;
        pthread_join(t[i], &res);
        assert_null(res);
    }
    assert_int_equal(atomic_load(&locked_dups), 0);
}

static int teardown_group(void **state)
{
    (void)state;
    return it_remove_comma_locale();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter_sees_json_c),
        cmocka_unit_test(test_plugin_parses_take_no_lock),
        cmocka_unit_test(test_global_comma_locale),
        cmocka_unit_test(test_thread_comma_locale),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, teardown_group);
}
