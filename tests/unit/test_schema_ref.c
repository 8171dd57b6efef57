/*
 * test_schema_ref.c - which schemas structured output accepts (sch_check)
 * and local reference resolution (sch_resolve), schema_ref.h.
 */
#include "request_test_util.h"

#include "../../plugin/structured/schema_ref.h"

static mp_error err;

static int check(const char *schema)
{
    json_object *s = rt_parse(J(schema));
    err = (mp_error)MP_ERROR_INIT;
    int rc = sch_check(s, &err);
    json_object_put(s);
    return rc;
}

static void accepted(const char *schema)
{
    if (check(schema) != MP_OK)
        fail_msg("rejected: %s: %s", schema, err.message);
}

static void rejected(const char *schema, const char *message)
{
    assert_int_equal(check(schema), MP_E_INVALID_ARGUMENT);
    assert_int_equal(err.code, MP_E_INVALID_ARGUMENT);
    assert_string_equal(err.message, J(message));
}

static void test_root_must_be_an_object_schema(void **state)
{
    (void)state;
    accepted("{'type':'object'}");
    accepted("{'properties':{}}");
    rejected("{'type':'string'}", "schema: the root must be an object schema "
             "(\"type\": \"object\", or \"properties\" without a \"type\")");
    rejected("{'type':['object','null']}", "schema: the root must be an object "
             "schema (\"type\": \"object\", or \"properties\" without a \"type\")");
    rejected("{'description':'no type'}", "schema: the root must be an object "
             "schema (\"type\": \"object\", or \"properties\" without a \"type\")");
    rejected("[{'type':'object'}]", "schema: expected a JSON object (an object "
             "schema), got array");
}

static void test_keyword_shapes(void **state)
{
    (void)state;
    rejected("{'type':'object','properties':{'a':{'type':'int'}}}",
             "schema.properties.a.type: unknown type 'int' (expected one of "
             "string, number, integer, boolean, object, array, null)");
    rejected("{'type':'object','properties':{'a':{'type':['string',1]}}}",
             "schema.properties.a.type[1]: expected a type name or a non-empty "
             "array of type names, got integer");
    rejected("{'type':'object','required':['a',2]}",
             "schema.required[1]: expected a property name (string), got integer");
    rejected("{'type':'object','properties':[]}",
             "schema.properties: expected an object, got array");
    rejected("{'type':'object','properties':{'a':{'type':'string','minLength':-1}}}",
             "schema.properties.a.minLength: expected a non-negative integer, got -1");
    rejected("{'type':'object','properties':{'a':{'maximum':'10'}}}",
             "schema.properties.a.maximum: expected a number, got string");
    rejected("{'type':'object','properties':{'a':{'anyOf':[]}}}",
             "schema.properties.a.anyOf: expected a non-empty array");
    rejected("{'type':'object','properties':{'a':{'items':[{'type':'string'},3]}}}",
             "schema.properties.a.items[1]: expected a schema (an object or a "
             "boolean), got integer");
    rejected("{'type':'object','properties':{'a':{'enum':'x'}}}",
             "schema.properties.a.enum: expected an array, got string");
    rejected("{'type':'object','additionalProperties':'no'}",
             "schema.additionalProperties: expected a schema (an object or a "
             "boolean), got string");
    /* Keywords we do not read pass through whatever they hold. */
    accepted("{'type':'object','title':7,'x-extra':[1],'format':{},'pattern':2}");
    /* Draft-4 exclusive bounds and boolean schemas. */
    accepted("{'type':'object','properties':{'a':{'minimum':1,'exclusiveMinimum':"
             "true},'b':true,'c':false}}");
}

static void test_refs_must_be_local_and_resolve(void **state)
{
    (void)state;
    accepted("{'type':'object','properties':{'a':{'$ref':'#/$defs/A'},'b':{'$ref':"
             "'#/definitions/B'}},'$defs':{'A':{'type':'string'}},'definitions':"
             "{'B':{'type':'integer'}}}");
    rejected("{'type':'object','properties':{'zip':{'$ref':'other.json#/Zip'}}}",
             "schema.properties.zip.$ref: 'other.json#/Zip' is not a local "
             "reference (only '#/$defs/...', '#/definitions/...' and other "
             "'#/...' pointers are supported)");
    rejected("{'type':'object','properties':{'a':{'$ref':'https://x/s.json'}}}",
             "schema.properties.a.$ref: 'https://x/s.json' is not a local "
             "reference (only '#/$defs/...', '#/definitions/...' and other "
             "'#/...' pointers are supported)");
    rejected("{'type':'object','properties':{'a':{'$ref':'#/$defs/Nope'}}}",
             "schema.properties.a.$ref: '#/$defs/Nope' does not resolve to "
             "anything in the schema");
    rejected("{'type':'object','properties':{'a':{'$ref':'#/title'}},'title':'t'}",
             "schema.properties.a.$ref: '#/title' points at a string, not a schema");
    rejected("{'type':'object','properties':{'a':{'$ref':5}}}",
             "schema.properties.a.$ref: expected a string, got integer");
    /* A bad reference inside an unused definition is still bad. */
    rejected("{'type':'object','$defs':{'U':{'$ref':'#/$defs/None'}}}",
             "schema.$defs.U.$ref: '#/$defs/None' does not resolve to anything "
             "in the schema");
}

static void test_ref_cycles(void **state)
{
    (void)state;
    rejected("{'type':'object','properties':{'n':{'$ref':'#/$defs/Node'}},'$defs':"
             "{'Node':{'type':'object','properties':{'kids':{'type':'array',"
             "'items':{'$ref':'#/$defs/Node'}}}}}}",
             "schema.$defs.Node.properties.kids.items.$ref: '#/$defs/Node' leads "
             "back to itself (recursive schemas are not supported)");
    rejected("{'type':'object','properties':{'a':{'$ref':'#/$defs/A'}},'$defs':"
             "{'A':{'$ref':'#/$defs/B'},'B':{'anyOf':[{'$ref':'#/$defs/A'}]}}}",
             "schema.$defs.B.anyOf[0].$ref: '#/$defs/A' leads back to itself "
             "(recursive schemas are not supported)");
    rejected("{'type':'object','properties':{'self':{'$ref':'#'}}}",
             "schema.properties.self.$ref: '#' leads back to itself (recursive "
             "schemas are not supported)");
    rejected("{'type':'object','properties':{'a':{'type':'array','items':{'$ref':"
             "'#/properties/a'}}}}",
             "schema.properties.a.items.$ref: '#/properties/a' leads back to "
             "itself (recursive schemas are not supported)");
    /* A definition used twice (a diamond) is no cycle. */
    accepted("{'type':'object','properties':{'x':{'$ref':'#/$defs/P'},'y':{'$ref':"
             "'#/$defs/P'}},'$defs':{'P':{'type':'object','properties':{'q':{'$ref':"
             "'#/$defs/Q'},'r':{'$ref':'#/$defs/Q'}}},'Q':{'type':'string'}}}");
    /* A cycle among definitions nothing uses cannot be reached. */
    accepted("{'type':'object','$defs':{'L':{'$ref':'#/$defs/L'}}}");
}

static void test_resolve_pointers(void **state)
{
    (void)state;
    json_object *s = rt_parse(J("{'$defs':{'a/b':{'k':1},'m~n':{'k':2},'$x':{'k':3}},"
                                "'list':[{'k':4},{'k':5}]}"));
    assert_ptr_equal(sch_resolve(s, "#"), s);
    assert_int_equal(json_object_get_int(json_object_object_get(
        sch_resolve(s, "#/$defs/a~1b"), "k")), 1);
    assert_int_equal(json_object_get_int(json_object_object_get(
        sch_resolve(s, "#/$defs/m~0n"), "k")), 2);
    assert_int_equal(json_object_get_int(json_object_object_get(
        sch_resolve(s, "#/%24defs/%24x"), "k")), 3);
    assert_int_equal(json_object_get_int(json_object_object_get(
        sch_resolve(s, "#/list/1"), "k")), 5);
    assert_null(sch_resolve(s, "#/list/01"));
    assert_null(sch_resolve(s, "#/list/2"));
    assert_null(sch_resolve(s, "#/$defs/missing"));
    assert_null(sch_resolve(s, "#/$defs/a~2b"));
    assert_null(sch_resolve(s, "other#/$defs"));
    assert_null(sch_resolve(s, "#$defs"));
    json_object_put(s);
}

static void test_is_object_schema(void **state)
{
    (void)state;
    const char *yes[] = {"{'type':'object'}", "{'type':['null','object']}",
                         "{'properties':{}}"};
    const char *no[] = {"{'type':'string'}", "{'type':'array','properties':{}}",
                        "{}", "true"};
    for (size_t i = 0; i < 3; i++) {
        json_object *s = rt_parse(J(yes[i]));
        assert_true(sch_is_object_schema(s));
        json_object_put(s);
    }
    for (size_t i = 0; i < 4; i++) {
        json_object *s = rt_parse(J(no[i]));
        assert_false(sch_is_object_schema(s));
        json_object_put(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_root_must_be_an_object_schema),
        cmocka_unit_test(test_keyword_shapes),
        cmocka_unit_test(test_refs_must_be_local_and_resolve),
        cmocka_unit_test(test_ref_cycles),
        cmocka_unit_test(test_resolve_pointers),
        cmocka_unit_test(test_is_object_schema),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
