/*
 * test_anthropic_config.c - the config cases of anthropic-wire.md 8.1
 * (1-5, 39, 40), named after them, for an anthropic/ model: what
 * get_config shows and what the unknown-key warnings say.
 */
#include "anthropic_test_util.h"

/* get_config's document for `cfg` (put it). */
static json_object *shown(const lp_config *cfg)
{
    strbuf out;
    sb_init(&out, 1 << 20);
    assert_int_equal(lp_config_to_redacted_json(cfg, 0, &out), MP_OK);
    json_object *v = rt_parse(out.data);
    sb_free(&out);
    return v;
}

/* 1 */
static void test__init__model_configs(void **state)
{
    (void)state;
    rt_log log = {0};
    lp_config *cfg = at_config("{'model_id':'anthropic/m1','params':"
                               "{'temperature':1}}", &log);
    json_object *v = shown(cfg);
    rt_assert_json(at_get(at_get(v, "config"), "params"),
                   J("{'temperature':1}"));
    assert_int_equal(log.warnings, 0);
    json_object_put(v);
    lp_config_unref(cfg);
}

/* 2: Strands fills context_window_limit from a static table; the plugin
 * keeps LiteLLM's behaviour (spec 7.2): nothing is invented. */
static void test__init__auto_populates_context_window_limit(void **state)
{
    (void)state;
    rt_log log = {0};
    lp_config *cfg = at_config("{'model_id':'anthropic/claude-sonnet-4-"
                               "20250514'}", &log);
    json_object *v = shown(cfg);
    assert_false(json_object_object_get_ex(at_get(v, "config"),
                                           "context_window_limit", NULL));
    assert_int_equal(cfg->context_window_limit, -1);
    json_object_put(v);
    lp_config_unref(cfg);
}

/* 3 */
static void test__init__explicit_context_window_limit_not_overridden(void **s)
{
    (void)s;
    rt_log log = {0};
    lp_config *cfg = at_config("{'model_id':'anthropic/claude-sonnet-4-"
                               "20250514','context_window_limit':100000}",
                               &log);
    assert_int_equal(cfg->context_window_limit, 100000);
    json_object *v = shown(cfg);
    assert_int_equal(json_object_get_int(at_get(at_get(v, "config"),
                                                "context_window_limit")),
                     100000);
    json_object_put(v);
    lp_config_unref(cfg);
}

/* 4 */
static void test__init__unknown_model_no_context_window_limit(void **state)
{
    (void)state;
    rt_log log = {0};
    lp_config *cfg = at_config("{'model_id':'anthropic/unknown-model'}", &log);
    assert_int_equal(cfg->context_window_limit, -1);
    lp_config_unref(cfg);
}

/* 5 */
static void test_update_config(void **state)
{
    (void)state;
    rt_log log = {0};
    lp_logger lg = {rt_capture, &log};
    lp_config *cfg = at_config("{'model_id':'anthropic/m0'}", &log), *next;
    mp_error err = MP_ERROR_INIT;
    const char *u = J("{'model_id':'anthropic/m1'}");
    assert_int_equal(lp_config_update(cfg, u, strlen(u), &lg, &next, &err),
                     MP_OK);
    assert_string_equal(next->model_id, "anthropic/m1");
    lp_route route;
    assert_int_equal(lp_route_resolve(next, &route, &err), MP_OK);
    assert_string_equal(route.model, "m1");
    lp_config_unref(next);
    lp_config_unref(cfg);
}

/* 39 */
static void test_config_validation_warns_on_unknown_keys(void **state)
{
    (void)state;
    rt_log log = {0};
    lp_config *cfg = at_config("{'model_id':'anthropic/m1','invalid_param':"
                               "'test'}", &log);
    assert_int_equal(log.warnings, 1);
    assert_non_null(strstr(log.msgs[0], "Invalid configuration parameters"));
    assert_non_null(strstr(log.msgs[0], "invalid_param"));
    /* Kept, not dropped. */
    json_object *v = shown(cfg);
    assert_string_equal(json_object_get_string(at_get(at_get(v, "config"),
                                                      "invalid_param")),
                        "test");
    json_object_put(v);
    lp_config_unref(cfg);
}

/* 40 */
static void test_update_config_validation_warns_on_unknown_keys(void **state)
{
    (void)state;
    rt_log log = {0}, upd = {0};
    lp_logger lg = {rt_capture, &upd};
    lp_config *cfg = at_config(AT_M1, &log), *next;
    mp_error err = MP_ERROR_INIT;
    const char *u = J("{'wrong_param':'test'}");
    assert_int_equal(lp_config_update(cfg, u, strlen(u), &lg, &next, &err),
                     MP_OK);
    assert_int_equal(upd.warnings, 1);
    assert_non_null(strstr(upd.msgs[0], "wrong_param"));
    lp_config_unref(next);
    lp_config_unref(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test__init__model_configs),
        cmocka_unit_test(test__init__auto_populates_context_window_limit),
        cmocka_unit_test(test__init__explicit_context_window_limit_not_overridden),
        cmocka_unit_test(test__init__unknown_model_no_context_window_limit),
        cmocka_unit_test(test_update_config),
        cmocka_unit_test(test_config_validation_warns_on_unknown_keys),
        cmocka_unit_test(test_update_config_validation_warns_on_unknown_keys),
    };
    return cmocka_run_group_tests_name("anthropic: config", tests, NULL,
                                       NULL);
}
