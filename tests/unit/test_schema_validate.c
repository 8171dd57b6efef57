/*
 * test_schema_validate.c - the validator (schema_validate.h): each keyword
 * passing and failing, with the exact "<path>: <rule>" message.
 */
#include "request_test_util.h"

#include "../../plugin/core/json_writer.h"
#include "../../plugin/structured/schema_validate.h"
#include "../../plugin/core/utf8.h"

static char msg[1024];

/* Like rt_parse, but JSON null is a value too. */
static json_object *parse_value(const char *text)
{
    json_tokener *tok = json_tokener_new();
    /* The NUL ends a bare number, which could otherwise go on. */
    json_object *v = json_tokener_parse_ex(tok, text, (int)strlen(text) + 1);
    if (json_tokener_get_error(tok) != json_tokener_success)
        fail_msg("test JSON does not parse: %s", text);
    json_tokener_free(tok);
    return v;
}

/* Validate value against schema (both in ' quoting) with `flags`. */
static int run(const char *schema, const char *value, int flags)
{
    json_object *s = parse_value(J(schema));
    json_object *v = parse_value(J(value));
    int rc = sv_validate(s, v, flags, msg, sizeof msg);
    json_object_put(s);
    json_object_put(v);
    return rc;
}

static void ok(const char *schema, const char *value)
{
    if (run(schema, value, 0) != MP_OK)
        fail_msg("expected valid: %s against %s, got: %s", value, schema, msg);
    assert_string_equal(msg, "");
}

static void bad(const char *schema, const char *value, const char *want)
{
    int rc = run(schema, value, 0);
    if (rc != MP_E_VALIDATION)
        fail_msg("expected invalid: %s against %s", value, schema);
    assert_string_equal(msg, J(want));
}

static void test_type_each_name(void **state)
{
    (void)state;
    ok("{'type':'string'}", "'x'");
    ok("{'type':'boolean'}", "false");
    ok("{'type':'null'}", "null");
    ok("{'type':'array'}", "[]");
    ok("{'type':'object'}", "{}");
    ok("{'type':'number'}", "1.5");
    ok("{'type':'number'}", "7");
    bad("{'type':'string'}", "12", "$: expected type string, got integer 12");
    bad("{'type':'object'}", "[1]", "$: expected type object, got array");
    bad("{'type':'boolean'}", "null", "$: expected type boolean, got null");
    bad("{'type':'array'}", "'a'", "$: expected type array, got string 'a'");
}

/* integer vs number: 30.0 is an integer, 30.5 is not. */
static void test_integer_versus_number(void **state)
{
    (void)state;
    ok("{'type':'integer'}", "30");
    ok("{'type':'integer'}", "30.0");
    ok("{'type':'integer'}", "-2e3");
    bad("{'type':'integer'}", "30.5", "$: expected type integer, got number 30.5");
    bad("{'type':'integer'}", "'30'", "$: expected type integer, got string '30'");
}

/* A nullable union, and the wording of a list of types. */
static void test_nullable_union(void **state)
{
    (void)state;
    ok("{'type':['string','null']}", "null");
    ok("{'type':['string','null']}", "'s'");
    bad("{'type':['string','null']}", "3",
        "$: expected type string or null, got integer 3");
    bad("{'type':['string','integer','null']}", "true",
        "$: expected type string, integer or null, got boolean true");
}

static void test_required_and_nested_paths(void **state)
{
    (void)state;
    const char *s = "{'type':'object','properties':{'address':{'type':'object',"
                    "'properties':{'zip':{'type':'string'}},'required':['zip']}},"
                    "'required':['address']}";
    ok(s, "{'address':{'zip':'12345'}}");
    bad(s, "{}", "$.address: required property is missing");
    bad(s, "{'address':{}}", "$.address.zip: required property is missing");
    bad(s, "{'address':{'zip':12345}}",
        "$.address.zip: expected type string, got integer 12345");
}

static void test_additional_properties(void **state)
{
    (void)state;
    const char *closed = "{'type':'object','properties':{'a':{'type':'string'}},"
                         "'additionalProperties':false}";
    ok(closed, "{'a':'x'}");
    bad(closed, "{'a':'x','nickname':'y'}",
        "$.nickname: property is not allowed (additionalProperties is false)");
    const char *typed = "{'type':'object','additionalProperties':{'type':'integer'}}";
    ok(typed, "{'x':1,'y':2}");
    bad(typed, "{'x':1,'y':'two'}", "$.y: expected type integer, got string 'two'");
    /* Open by default. */
    ok("{'type':'object','properties':{'a':{}}}", "{'b':1}");
    /* patternProperties are not evaluated, so extras are not judged. */
    ok("{'type':'object','patternProperties':{'^x':{}},'additionalProperties':false}",
       "{'y':1}");
}

static void test_enum_and_const(void **state)
{
    (void)state;
    ok("{'enum':['red','green',3]}", "'green'");
    ok("{'enum':[1,2]}", "2.0");
    ok("{'enum':[{'a':[1,2]}]}", "{'a':[1,2.0]}");
    bad("{'enum':['red','green']}", "'blue'",
        "$: value 'blue' is not one of the allowed values ['red','green']");
    ok("{'const':1}", "1.0");
    ok("{'const':{'k':'v'}}", "{'k':'v'}");
    bad("{'const':'x'}", "'y'", "$: value 'y' is not the required constant 'x'");
    bad("{'const':null}", "0", "$: value 0 is not the required constant null");
}

static void test_items_and_tuples(void **state)
{
    (void)state;
    const char *s = "{'type':'array','items':{'type':'object','properties':{'n':"
                    "{'type':'integer'}},'required':['n']}}";
    ok(s, "[{'n':1},{'n':2}]");
    bad(s, "[{'n':1},{'n':'x'}]", "$[1].n: expected type integer, got string 'x'");
    bad(s, "[{'n':1},{}]", "$[1].n: required property is missing");
    const char *tuple = "{'type':'array','items':[{'type':'string'},{'type':"
                        "'integer'}],'additionalItems':false}";
    ok(tuple, "['a',1]");
    bad(tuple, "[1]", "$[0]: expected type string, got integer 1");
    bad(tuple, "['a',1,2]", "$[2]: no value is allowed here (the schema is false)");
    const char *prefix = "{'prefixItems':[{'type':'string'}],'items':{'type':'boolean'}}";
    ok(prefix, "['a',true,false]");
    bad(prefix, "['a',true,3]", "$[2]: expected type boolean, got integer 3");
}

static void test_min_max_items_and_unique(void **state)
{
    (void)state;
    const char *s = "{'type':'array','minItems':2,'maxItems':3}";
    ok(s, "[1,2]");
    ok(s, "[1,2,3]");
    bad(s, "[1]", "$: array has 1 item, fewer than minItems 2");
    bad(s, "[1,2,3,4]", "$: array has 4 items, more than maxItems 3");
    ok("{'uniqueItems':true}", "[1,'1',[1]]");
    bad("{'uniqueItems':true}", "[1,2,1.0]",
        "$: items 0 and 2 are equal, but uniqueItems is true");
    ok("{'uniqueItems':false}", "[1,1]");
}

/* Lengths are counted in code points, not bytes. */
static void test_string_lengths_in_code_points(void **state)
{
    (void)state;
    const char *s = "{'type':'string','minLength':2,'maxLength':5}";
    ok(s, "'h\xc3\xa9llo'");          /* 5 code points, 6 bytes */
    ok(s, "'\xf0\x9f\x98\x80\xf0\x9f\x98\x80'"); /* 2 emoji, 8 bytes */
    bad(s, "'\xf0\x9f\x98\x80'", "$: string has 1 character, fewer than minLength 2");
    bad(s, "'h\xc3\xa9llos'", "$: string has 6 characters, more than maxLength 5");
    assert_int_equal(lp_utf8_count("\xe2\x82\xac" "a", 4), 2);
}

static void test_numeric_bounds(void **state)
{
    (void)state;
    const char *s = "{'type':'number','minimum':0,'maximum':10}";
    ok(s, "0");
    ok(s, "10");
    ok(s, "9.99");
    bad(s, "-1", "$: -1 is less than minimum 0");
    bad(s, "10.5", "$: 10.5 is greater than maximum 10");
    const char *ex = "{'exclusiveMinimum':0,'exclusiveMaximum':1}";
    ok(ex, "0.5");
    bad(ex, "0", "$: 0 is not greater than exclusiveMinimum 0");
    bad(ex, "1", "$: 1 is not less than exclusiveMaximum 1");
    /* Draft 4: booleans beside minimum/maximum. */
    const char *d4 = "{'minimum':1,'exclusiveMinimum':true,'maximum':5,"
                     "'exclusiveMaximum':true}";
    ok(d4, "3");
    bad(d4, "1", "$: 1 is not greater than the exclusive minimum 1");
    bad(d4, "5", "$: 5 is not less than the exclusive maximum 5");
    /* Bounds do not apply to other types. */
    ok("{'minimum':5}", "'abc'");
}

static void test_min_max_properties(void **state)
{
    (void)state;
    const char *s = "{'type':'object','minProperties':1,'maxProperties':2}";
    ok(s, "{'a':1}");
    bad(s, "{}", "$: object has 0 properties, fewer than minProperties 1");
    bad(s, "{'a':1,'b':2,'c':3}", "$: object has 3 properties, more than maxProperties 2");
}

static void test_any_of_and_one_of(void **state)
{
    (void)state;
    const char *any = "{'anyOf':[{'type':'string'},{'type':'object','properties':"
                      "{'k':{'enum':['a','b']}},'required':['k']}]}";
    ok(any, "'x'");
    ok(any, "{'k':'a'}");
    /* The closest alternative is the one that got deepest. */
    bad(any, "{'k':'c'}", "$: matches none of the 2 anyOf alternatives; closest: "
        "$.k: value 'c' is not one of the allowed values ['a','b']");
    bad(any, "3", "$: matches none of the 2 anyOf alternatives; closest: "
        "$: expected type string, got integer 3");
    const char *one = "{'oneOf':[{'type':'integer'},{'type':'number'},{'type':'string'}]}";
    ok(one, "1.5");
    ok(one, "'s'");
    bad(one, "2", "$: matches 2 of the oneOf alternatives (0 and 1), but exactly "
        "one must match");
    bad(one, "null", "$: matches none of the 3 oneOf alternatives; closest: "
        "$: expected type integer, got null");
}

static void test_all_of_and_not(void **state)
{
    (void)state;
    const char *all = "{'allOf':[{'type':'object','required':['a']},{'required':['b']}]}";
    ok(all, "{'a':1,'b':2}");
    bad(all, "{'a':1}", "$.b: required property is missing");
    ok("{'not':{'type':'string'}}", "1");
    bad("{'not':{'type':'string'}}", "'s'", "$: must not match the schema under \"not\"");
}

static void test_refs_to_defs_and_definitions(void **state)
{
    (void)state;
    const char *s = "{'type':'object','properties':{'home':{'$ref':'#/$defs/Addr'},"
                    "'work':{'$ref':'#/definitions/Addr'}},'$defs':{'Addr':{'type':"
                    "'object','properties':{'zip':{'type':'string','maxLength':5}},"
                    "'required':['zip']}},'definitions':{'Addr':{'$ref':'#/$defs/Addr'}}}";
    ok(s, "{'home':{'zip':'12345'},'work':{'zip':'9'}}");
    bad(s, "{'home':{'zip':'123456'}}",
        "$.home.zip: string has 6 characters, more than maxLength 5");
    bad(s, "{'work':{}}", "$.work.zip: required property is missing");
}

static void test_boolean_schemas(void **state)
{
    (void)state;
    ok("true", "{'anything':[1]}");
    bad("false", "1", "$: no value is allowed here (the schema is false)");
    bad("{'properties':{'gone':false}}", "{'gone':1}",
        "$.gone: no value is allowed here (the schema is false)");
}

/* Keys that are not identifiers are quoted in paths. */
static void test_odd_keys_in_paths(void **state)
{
    (void)state;
    bad("{'properties':{'a b':{'properties':{'c\\\"d':{'type':'string'}}}}}",
        "{'a b':{'c\\\"d':1}}",
        "$[\"a b\"][\"c\\\"d\"]: expected type string, got integer 1");
    bad("{'properties':{'_x1':{'type':'string'}}}", "{'_x1':1}",
        "$._x1: expected type string, got integer 1");
}

/* Long values are cut in messages. */
static void test_long_values_are_cut(void **state)
{
    (void)state;
    bad("{'type':'integer'}", "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'",
        "$: expected type integer, got string 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...");
}

/* SV_NULL_AS_ABSENT: optional non-nullable properties sent as null are
 * dropped; required ones and nullable ones are not. */
static void test_null_as_absent(void **state)
{
    (void)state;
    json_object *s = rt_parse(J("{'type':'object','properties':{'name':{'type':"
        "'string'},'nick':{'type':'string'},'note':{'type':['string','null']},"
        "'sub':{'type':'object','properties':{'x':{'type':'integer'}},"
        "'additionalProperties':false}},'required':['name'],"
        "'additionalProperties':false}"));
    json_object *v = rt_parse(J("{'name':'n','nick':null,'note':null,'sub':{'x':null}}"));
    assert_int_equal(sv_validate(s, v, SV_NULL_AS_ABSENT, msg, sizeof msg), MP_OK);
    rt_assert_json(v, J("{'name':'n','note':null,'sub':{}}"));
    /* Without the flag the same value fails. */
    json_object *v2 = rt_parse(J("{'name':'n','nick':null}"));
    assert_int_equal(sv_validate(s, v2, 0, msg, sizeof msg), MP_E_VALIDATION);
    assert_string_equal(msg, "$.nick: expected type string, got null");
    /* A required property may not be null. */
    json_object *v3 = rt_parse(J("{'name':null}"));
    assert_int_equal(sv_validate(s, v3, SV_NULL_AS_ABSENT, msg, sizeof msg),
                     MP_E_VALIDATION);
    assert_string_equal(msg, "$.name: expected type string, got null");
    json_object_put(s);
    json_object_put(v);
    json_object_put(v2);
    json_object_put(v3);
}

/* Inside anyOf, only the alternative that matched removes anything. */
static void test_null_as_absent_in_any_of(void **state)
{
    (void)state;
    json_object *s = rt_parse(J("{'type':'object','properties':{'p':{'anyOf':["
        "{'type':'object','properties':{'a':{'type':'string'},'b':{'type':"
        "'integer'}},'required':['b']},{'type':'object','properties':{'a':"
        "{'type':'string'}},'required':['a']}]}},'required':['p']}"));
    json_object *v = rt_parse(J("{'p':{'a':null,'b':2}}"));
    assert_int_equal(sv_validate(s, v, SV_NULL_AS_ABSENT, msg, sizeof msg), MP_OK);
    rt_assert_json(v, J("{'p':{'b':2}}"));
    json_object_put(s);
    json_object_put(v);
}

static void test_json_equal(void **state)
{
    (void)state;
    json_object *a = rt_parse(J("{'x':[1,2.0,{'y':null}],'z':'s'}"));
    json_object *b = rt_parse(J("{'z':'s','x':[1.0,2,{'y':null}]}"));
    json_object *c = rt_parse(J("{'z':'s','x':[1.0,2,{'y':false}]}"));
    assert_true(sv_json_equal(a, b));
    assert_false(sv_json_equal(a, c));
    json_object_put(a);
    json_object_put(b);
    json_object_put(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_each_name),
        cmocka_unit_test(test_integer_versus_number),
        cmocka_unit_test(test_nullable_union),
        cmocka_unit_test(test_required_and_nested_paths),
        cmocka_unit_test(test_additional_properties),
        cmocka_unit_test(test_enum_and_const),
        cmocka_unit_test(test_items_and_tuples),
        cmocka_unit_test(test_min_max_items_and_unique),
        cmocka_unit_test(test_string_lengths_in_code_points),
        cmocka_unit_test(test_numeric_bounds),
        cmocka_unit_test(test_min_max_properties),
        cmocka_unit_test(test_any_of_and_one_of),
        cmocka_unit_test(test_all_of_and_not),
        cmocka_unit_test(test_refs_to_defs_and_definitions),
        cmocka_unit_test(test_boolean_schemas),
        cmocka_unit_test(test_odd_keys_in_paths),
        cmocka_unit_test(test_long_values_are_cut),
        cmocka_unit_test(test_null_as_absent),
        cmocka_unit_test(test_null_as_absent_in_any_of),
        cmocka_unit_test(test_json_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
