/*
 * test_model_info_shared.c - the process's /model/info answers
 * (plugin/route/model_info_shared.h): one asker at a time, a lost claim
 * taken over without the late asker ending the new one's, answers kept
 * whoever brings them, keys that tell credentials apart, the oldest
 * answer forgotten past MIS_SLOTS, and all of it forgotten at the last
 * deinit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "../../plugin/route/model_info_shared.h"

static lp_model_facts facts_of(int64_t window)
{
    lp_model_facts f = {1, LP_SCHEMA_YES, 1, 0, window};
    return f;
}

static mis_key key_of(const char *model, const char *auth)
{
    struct curl_slist *h = curl_slist_append(NULL, auth);
    mis_key k = mis_key_of("http://proxy:4000", model, h);
    curl_slist_free_all(h);
    return k;
}

static int setup(void **state)
{
    (void)state;
    mis_clear();
    return 0;
}

static void test_one_asker_then_known(void **state)
{
    (void)state;
    mis_key k = key_of("m", "Authorization: Bearer a");
    lp_model_facts f, want = facts_of(8192);
    unsigned long long t1, t2;
    assert_int_equal(mis_claim(k, 10000, &f, &t1), MIS_ASK);
    assert_true(t1 != 0);
    assert_int_equal(mis_claim(k, 10000, &f, &t2), MIS_BUSY);
    mis_settle(k, t1, &want);
    assert_int_equal(mis_claim(k, 10000, &f, &t2), MIS_KNOWN);
    assert_true(f.max_input_tokens == 8192 && f.function_calling == 0);
}

/* No answer: the next caller asks. */
static void test_no_answer_lets_the_next_ask(void **state)
{
    (void)state;
    mis_key k = key_of("m", "Authorization: Bearer a");
    lp_model_facts f;
    unsigned long long t1, t2;
    assert_int_equal(mis_claim(k, 10000, &f, &t1), MIS_ASK);
    mis_settle(k, t1, NULL);
    assert_int_equal(mis_claim(k, 10000, &f, &t2), MIS_ASK);
}

/* A claim past its time is taken over; the late asker's "no answer" then
 * leaves the new claim alone (a third caller still waits on it), and the
 * new asker's answer is kept. */
static void test_late_asker_does_not_end_the_new_claim(void **state)
{
    (void)state;
    mis_key k = key_of("m", "Authorization: Bearer a");
    lp_model_facts f, want = facts_of(4096);
    unsigned long long a, b, c;
    assert_int_equal(mis_claim(k, 0, &f, &a), MIS_ASK); /* lost at once */
    assert_int_equal(mis_claim(k, 10000, &f, &b), MIS_ASK);
    assert_true(a != b);
    mis_settle(k, a, NULL);
    assert_int_equal(mis_claim(k, 10000, &f, &c), MIS_BUSY);
    mis_settle(k, b, &want);
    assert_int_equal(mis_claim(k, 10000, &f, &c), MIS_KNOWN);
    assert_true(f.max_input_tokens == 4096);
}

/* A late asker's answer is an answer: kept, and the new asker's later "no
 * answer" does not drop it. */
static void test_late_answer_is_kept(void **state)
{
    (void)state;
    mis_key k = key_of("m", "Authorization: Bearer a");
    lp_model_facts f, want = facts_of(2048);
    unsigned long long a, b;
    assert_int_equal(mis_claim(k, 0, &f, &a), MIS_ASK);
    assert_int_equal(mis_claim(k, 10000, &f, &b), MIS_ASK);
    mis_settle(k, a, &want);
    mis_settle(k, b, NULL);
    assert_int_equal(mis_claim(k, 10000, &f, &b), MIS_KNOWN);
    assert_true(f.max_input_tokens == 2048);
}

/* Keys: model, root and every header line count, and where one string
 * ends does too (two header lists whose bytes run together the same way,
 * with the key moved across the boundary, once shared a key). */
static void test_keys_tell_credentials_apart(void **state)
{
    (void)state;
    mis_key a = key_of("m", "Authorization: Bearer a");
    mis_key b = key_of("m", "Authorization: Bearer b");
    mis_key c = key_of("n", "Authorization: Bearer a");
    assert_false(a.a == b.a && a.b == b.b);
    assert_false(a.a == c.a && a.b == c.b);
    struct curl_slist *x = curl_slist_append(NULL, "Authorization: Bearer k");
    x = curl_slist_append(x, "X-Foo: bar");
    x = curl_slist_append(x, "Expect;");
    struct curl_slist *y = curl_slist_append(NULL, "Authorization: Bearer kR");
    y = curl_slist_append(y, "'Foo: bar");
    y = curl_slist_append(y, "Expect;");
    mis_key kx = mis_key_of("http://proxy:4000", "m", x);
    mis_key ky = mis_key_of("http://proxy:4000", "m", y);
    curl_slist_free_all(x);
    curl_slist_free_all(y);
    assert_false(kx.a == ky.a && kx.b == ky.b);
    mis_key same = key_of("m", "Authorization: Bearer a");
    assert_true(a.a == same.a && a.b == same.b);
}

/* Past MIS_SLOTS answers the least recently used is forgotten. */
static int known(const char *model)
{
    lp_model_facts f;
    unsigned long long t;
    mis_key k = key_of(model, "Authorization: Bearer a");
    if (mis_claim(k, 10000, &f, &t) == MIS_KNOWN)
        return 1;
    mis_settle(k, t, NULL); /* not known: give the claim back */
    return 0;
}

static void learn(const char *model)
{
    lp_model_facts f, want = facts_of(1000);
    unsigned long long t;
    mis_key k = key_of(model, "Authorization: Bearer a");
    assert_int_equal(mis_claim(k, 10000, &f, &t), MIS_ASK);
    mis_settle(k, t, &want);
}

static void test_oldest_answer_forgotten(void **state)
{
    (void)state;
    char model[32];
    for (int i = 0; i < MIS_SLOTS; i++) {
        snprintf(model, sizeof model, "m%d", i);
        learn(model);
    }
    assert_true(known("m0")); /* used again: m1 is now the oldest */
    learn("extra");
    assert_true(known("extra"));
    assert_true(known("m0"));
    for (int i = 2; i < MIS_SLOTS; i++) {
        snprintf(model, sizeof model, "m%d", i);
        assert_true(known(model));
    }
    assert_false(known("m1"));
}

static void test_clear_forgets_everything(void **state)
{
    (void)state;
    mis_key k = key_of("m", "Authorization: Bearer a");
    lp_model_facts f, want = facts_of(10);
    unsigned long long t;
    assert_int_equal(mis_claim(k, 10000, &f, &t), MIS_ASK);
    mis_settle(k, t, &want);
    mis_clear();
    assert_int_equal(mis_claim(k, 10000, &f, &t), MIS_ASK);
    mis_settle(k, t, NULL);
    mis_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_one_asker_then_known, setup),
        cmocka_unit_test_setup(test_no_answer_lets_the_next_ask, setup),
        cmocka_unit_test_setup(test_late_asker_does_not_end_the_new_claim, setup),
        cmocka_unit_test_setup(test_late_answer_is_kept, setup),
        cmocka_unit_test_setup(test_keys_tell_credentials_apart, setup),
        cmocka_unit_test_setup(test_oldest_answer_forgotten, setup),
        cmocka_unit_test_setup(test_clear_forgets_everything, setup),
    };
    return cmocka_run_group_tests_name("model info shared by the process",
                                       tests, NULL, NULL);
}
