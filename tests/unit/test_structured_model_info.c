/*
 * test_structured_model_info.c - reading a LiteLLM /model/info answer
 * (mi_parse, model_info.h): supports_response_schema of the entries whose
 * model_name is the wire model.
 */
#include "request_test_util.h"

#include "../../plugin/core/instance.h"
#include "../../plugin/route/model_info.h"

static int parse(const char *body, const char *model, int *support)
{
    const char *text = J(body);
    *support = -1;
    return mi_parse(text, strlen(text), model, support);
}

static void expect(const char *body, const char *model, int want)
{
    int support;
    assert_int_equal(parse(body, model, &support), 1);
    assert_int_equal(support, want);
}

#define ENTRY(name, info) \
    "{'model_name':'" name "','litellm_params':{'model':'openai/x'},'model_info':" info "}"

static void test_supported_true(void **state)
{
    (void)state;
    expect("{'data':[" ENTRY("gpt-4o", "{'supports_response_schema':true}") "]}",
           "gpt-4o", LP_SCHEMA_YES);
}

static void test_supported_false_null_or_absent(void **state)
{
    (void)state;
    expect("{'data':[" ENTRY("m", "{'supports_response_schema':false}") "]}", "m",
           LP_SCHEMA_NO);
    expect("{'data':[" ENTRY("m", "{'supports_response_schema':null}") "]}", "m",
           LP_SCHEMA_NO);
    expect("{'data':[" ENTRY("m", "{'max_tokens':4096}") "]}", "m", LP_SCHEMA_NO);
    expect("{'data':[" ENTRY("m", "null") "]}", "m", LP_SCHEMA_NO);
    /* A string "true" is not true. */
    expect("{'data':[" ENTRY("m", "{'supports_response_schema':'true'}") "]}", "m",
           LP_SCHEMA_NO);
}

static void test_not_listed(void **state)
{
    (void)state;
    expect("{'data':[" ENTRY("other", "{'supports_response_schema':true}") "]}",
           "mine", LP_SCHEMA_NO);
    expect("{'data':[]}", "mine", LP_SCHEMA_NO);
    /* The match is exact: no prefix, no case folding. */
    expect("{'data':[" ENTRY("GPT-4o", "{'supports_response_schema':true}") "]}",
           "gpt-4o", LP_SCHEMA_NO);
}

/* A model group with several deployments: all must say yes. */
static void test_model_group_needs_every_deployment(void **state)
{
    (void)state;
    expect("{'data':[" ENTRY("g", "{'supports_response_schema':true}") ","
           ENTRY("other", "{}") "," ENTRY("g", "{'supports_response_schema':true}")
           "]}", "g", LP_SCHEMA_YES);
    expect("{'data':[" ENTRY("g", "{'supports_response_schema':true}") ","
           ENTRY("g", "{'supports_response_schema':false}") "]}", "g", LP_SCHEMA_NO);
}

/* Odd entries are skipped rather than failing the answer. */
static void test_odd_entries_are_skipped(void **state)
{
    (void)state;
    expect("{'data':[1,'x',{'model_name':7},{'no':'name'}," ENTRY("m",
           "{'supports_response_schema':true}") "]}", "m", LP_SCHEMA_YES);
}

/* Not a model-info document at all: 0, so the caller tries elsewhere. */
static void test_not_a_model_info_document(void **state)
{
    (void)state;
    int support;
    assert_int_equal(parse("{'error':{'message':'Not Found'}}", "m", &support), 0);
    assert_int_equal(support, LP_SCHEMA_NO);
    assert_int_equal(parse("{'data':{}}", "m", &support), 0);
    assert_int_equal(parse("[1,2]", "m", &support), 0);
    assert_int_equal(mi_parse("<html>404</html>", 16, "m", &support), 0);
    assert_int_equal(mi_parse("", 0, "m", &support), 0);
    assert_int_equal(mi_parse(NULL, 0, "m", &support), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_supported_true),
        cmocka_unit_test(test_supported_false_null_or_absent),
        cmocka_unit_test(test_not_listed),
        cmocka_unit_test(test_model_group_needs_every_deployment),
        cmocka_unit_test(test_odd_entries_are_skipped),
        cmocka_unit_test(test_not_a_model_info_document),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
