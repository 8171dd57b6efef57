/*
 * test_model_memo.c - the per-model memory of response_format support
 * used by structured output `auto` (decision 19).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "../../plugin/route/model_memo.h"

static void test_each_model_keeps_its_answer(void **state)
{
    (void)state;
    lp_model_memo m = {0};
    assert_int_equal(lp_model_memo_get_schema(&m, "a"), LP_SCHEMA_UNKNOWN);
    lp_model_memo_put_schema(&m, "a", LP_SCHEMA_YES);
    lp_model_memo_put_schema(&m, "b", LP_SCHEMA_NO);
    assert_int_equal(lp_model_memo_get_schema(&m, "a"), LP_SCHEMA_YES);
    assert_int_equal(lp_model_memo_get_schema(&m, "b"), LP_SCHEMA_NO);
    assert_int_equal(lp_model_memo_get_schema(&m, "c"), LP_SCHEMA_UNKNOWN);
    assert_int_equal(lp_model_memo_get_schema(&m, NULL), LP_SCHEMA_UNKNOWN);
    /* A 400 on response_format overwrites a "yes". */
    lp_model_memo_put_schema(&m, "a", LP_SCHEMA_NO);
    assert_int_equal(lp_model_memo_get_schema(&m, "a"), LP_SCHEMA_NO);
    assert_int_equal(m.count, 2);
    lp_model_memo_free(&m);
    assert_int_equal(lp_model_memo_get_schema(&m, "b"), LP_SCHEMA_UNKNOWN);
}

/* Past the bound the oldest answer goes, the newest stay. */
static void test_bounded_forgets_the_oldest(void **state)
{
    (void)state;
    lp_model_memo m = {0};
    char name[32];
    for (int i = 0; i < LP_MODEL_MEMO_MAX + 3; i++) {
        snprintf(name, sizeof name, "model-%d", i);
        lp_model_memo_put_schema(&m, name, i % 2 ? LP_SCHEMA_YES : LP_SCHEMA_NO);
    }
    assert_int_equal(m.count, LP_MODEL_MEMO_MAX);
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "model-%d", i);
        assert_int_equal(lp_model_memo_get_schema(&m, name), LP_SCHEMA_UNKNOWN);
    }
    for (int i = 3; i < LP_MODEL_MEMO_MAX + 3; i++) {
        snprintf(name, sizeof name, "model-%d", i);
        assert_int_equal(lp_model_memo_get_schema(&m, name),
                         i % 2 ? LP_SCHEMA_YES : LP_SCHEMA_NO);
    }
    lp_model_memo_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_model_keeps_its_answer),
        cmocka_unit_test(test_bounded_forgets_the_oldest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
