/*
 * test_schema_strict.c - the strict schema sent with response_format
 * (schema_strict.h): exact output, key order included, for each rule.
 */
#include "request_test_util.h"

#include "../../plugin/core/json_writer.h"
#include "../../plugin/structured/schema_strict.h"

/* make_strict(in) must print exactly as `want` (both in ' quoting). */
static void expect_strict(const char *in, const char *want)
{
    json_object *schema = rt_parse(J(in));
    json_object *before = NULL;
    assert_int_equal(json_object_deep_copy(schema, &before, NULL), 0);
    json_object *strict = NULL;
    assert_int_equal(ss_make_strict(schema, &strict), MP_OK);
    assert_non_null(strict);
    strbuf sb;
    sb_init(&sb, 1 << 20);
    assert_int_equal(jw_to_string(strict, &sb), MP_OK);
    const char *expected = J(want);
    if (strcmp(sb.data, expected) != 0) {
        print_error("want: %s\ngot:  %s\n", expected, sb.data);
        fail_msg("strict schema differs");
    }
    /* The caller's schema is left alone. */
    assert_true(json_object_equal(schema, before));
    sb_free(&sb);
    json_object_put(strict);
    json_object_put(before);
    json_object_put(schema);
}

/* The reference example (6.1): both fields required already. */
static void test_reference_example_person(void **state)
{
    (void)state;
    expect_strict(
        "{'type':'object','properties':{'name':{'title':'Name','type':'string'},"
        "'age':{'title':'Age','type':'integer'}},'title':'TestOutputModel',"
        "'required':['name','age']}",
        "{'type':'object','properties':{'name':{'title':'Name','type':'string'},"
        "'age':{'title':'Age','type':'integer'}},'title':'TestOutputModel',"
        "'required':['name','age'],'additionalProperties':false}");
}

/* Optional properties become required and nullable; required is written
 * in the order of properties. */
static void test_optional_properties_become_nullable(void **state)
{
    (void)state;
    expect_strict(
        "{'type':'object','properties':{'a':{'type':'string'},"
        "'b':{'type':'integer'},'c':{'type':['number','boolean']}},"
        "'required':['b']}",
        "{'type':'object','properties':{'a':{'type':['string','null']},"
        "'b':{'type':'integer'},'c':{'type':['number','boolean','null']}},"
        "'required':['a','b','c'],'additionalProperties':false}");
}

/* No "required" at all: every property is optional. */
static void test_no_required_list(void **state)
{
    (void)state;
    expect_strict("{'type':'object','properties':{'x':{'type':'boolean'}}}",
                  "{'type':'object','properties':{'x':{'type':['boolean',"
                  "'null']}},'required':['x'],'additionalProperties':false}");
}

/* Nested objects, arrays of objects, and objects inside items. */
static void test_nested_objects_and_items(void **state)
{
    (void)state;
    expect_strict(
        "{'type':'object','properties':{'address':{'type':'object',"
        "'properties':{'zip':{'type':'string'},'city':{'type':'string'}},"
        "'required':['zip','city']},'tags':{'type':'array','items':"
        "{'type':'object','properties':{'k':{'type':'string'}}}}},"
        "'required':['address','tags']}",
        "{'type':'object','properties':{'address':{'type':'object',"
        "'properties':{'zip':{'type':'string'},'city':{'type':'string'}},"
        "'required':['zip','city'],'additionalProperties':false},'tags':"
        "{'type':'array','items':{'type':'object','properties':{'k':{'type':"
        "['string','null']}},'required':['k'],'additionalProperties':false}}},"
        "'required':['address','tags'],'additionalProperties':false}");
}

/* An optional nested object becomes ["object","null"] and is still made
 * strict inside. */
static void test_optional_nested_object(void **state)
{
    (void)state;
    expect_strict(
        "{'type':'object','properties':{'o':{'type':'object','properties':"
        "{'v':{'type':'number'}},'required':['v']}}}",
        "{'type':'object','properties':{'o':{'type':['object','null'],"
        "'properties':{'v':{'type':'number'}},'required':['v'],"
        "'additionalProperties':false}},'required':['o'],"
        "'additionalProperties':false}");
}

/* $defs and definitions are made strict; an optional $ref is wrapped. */
static void test_defs_definitions_and_ref(void **state)
{
    (void)state;
    expect_strict(
        "{'type':'object','properties':{'home':{'$ref':'#/$defs/Addr'},"
        "'work':{'$ref':'#/definitions/Addr2'}},'required':['home'],"
        "'$defs':{'Addr':{'type':'object','properties':{'zip':{'type':"
        "'string'}}}},'definitions':{'Addr2':{'properties':{'s':{'type':"
        "'string'}},'required':['s']}}}",
        "{'type':'object','properties':{'home':{'$ref':'#/$defs/Addr'},"
        "'work':{'anyOf':[{'$ref':'#/definitions/Addr2'},{'type':'null'}]}},"
        "'required':['home','work'],'$defs':{'Addr':{'type':'object',"
        "'properties':{'zip':{'type':['string','null']}},'required':['zip'],"
        "'additionalProperties':false}},'definitions':{'Addr2':{'properties':"
        "{'s':{'type':'string'}},'required':['s'],'additionalProperties':"
        "false}},'additionalProperties':false}");
}

/* anyOf / oneOf / allOf members are walked; an optional anyOf gets a null
 * branch; oneOf and allOf are wrapped. */
static void test_any_one_all_of(void **state)
{
    (void)state;
    expect_strict(
        "{'type':'object','properties':{'u':{'anyOf':[{'type':'string'},"
        "{'type':'object','properties':{'q':{'type':'string'}},'required':"
        "['q']}]},'o':{'oneOf':[{'type':'integer'},{'type':'string'}]},"
        "'a':{'allOf':[{'type':'object','properties':{'p':{'type':"
        "'integer'}},'required':['p']}]}},'required':['a']}",
        "{'type':'object','properties':{'u':{'anyOf':[{'type':'string'},"
        "{'type':'object','properties':{'q':{'type':'string'}},'required':"
        "['q'],'additionalProperties':false},{'type':'null'}]},'o':{'anyOf':"
        "[{'oneOf':[{'type':'integer'},{'type':'string'}]},{'type':'null'}]},"
        "'a':{'allOf':[{'type':'object','properties':{'p':{'type':'integer'}},"
        "'required':['p'],'additionalProperties':false}]}},'required':['u',"
        "'o','a'],'additionalProperties':false}");
}

/* enum with a type: null joins both; enum alone: null joins the enum;
 * const: wrapped; a property that accepts null already: untouched. */
static void test_enum_const_and_already_nullable(void **state)
{
    (void)state;
    expect_strict(
        "{'type':'object','properties':{'e':{'type':'string','enum':['a','b']},"
        "'f':{'enum':[1,2]},'c':{'const':'x'},'n':{'type':['string','null']},"
        "'any':{},'d':{'anyOf':[{'type':'string'},{'type':'null'}]}}}",
        "{'type':'object','properties':{'e':{'type':['string','null'],'enum':"
        "['a','b',null]},'f':{'enum':[1,2,null]},'c':{'anyOf':[{'const':'x'},"
        "{'type':'null'}]},'n':{'type':['string','null']},'any':{},'d':"
        "{'anyOf':[{'type':'string'},{'type':'null'}]}},'required':['e','f',"
        "'c','n','any','d'],'additionalProperties':false}");
}

/* An explicit additionalProperties is kept (a schema is made strict
 * inside); an object without properties still gets false. */
static void test_additional_properties_kept(void **state)
{
    (void)state;
    expect_strict(
        "{'type':'object','properties':{'m':{'type':'object',"
        "'additionalProperties':{'type':'object','properties':{'z':{'type':"
        "'string'}}}},'t':{'type':'object','additionalProperties':true},"
        "'free':{'type':'object'}},'required':['m','t','free'],"
        "'additionalProperties':false}",
        "{'type':'object','properties':{'m':{'type':'object',"
        "'additionalProperties':{'type':'object','properties':{'z':{'type':"
        "['string','null']}},'required':['z'],'additionalProperties':false}},"
        "'t':{'type':'object','additionalProperties':true},'free':{'type':"
        "'object','additionalProperties':false}},'required':['m','t','free'],"
        "'additionalProperties':false}");
}

/* A root with properties but no type; tuple items; prefixItems. */
static void test_untyped_root_and_tuples(void **state)
{
    (void)state;
    expect_strict(
        "{'properties':{'p':{'type':'array','items':[{'type':'object',"
        "'properties':{'a':{'type':'string'}}}]},'q':{'type':'array',"
        "'prefixItems':[{'properties':{}}]}},'required':['p','q']}",
        "{'properties':{'p':{'type':'array','items':[{'type':'object',"
        "'properties':{'a':{'type':['string','null']}},'required':['a'],"
        "'additionalProperties':false}]},'q':{'type':'array','prefixItems':"
        "[{'properties':{},'required':[],'additionalProperties':false}]}},"
        "'required':['p','q'],'additionalProperties':false}");
}

/* Five levels deep, each with one optional property. */
static void test_deep_nesting(void **state)
{
    (void)state;
    expect_strict(
        "{'type':'object','properties':{'l2':{'type':'object','properties':"
        "{'l3':{'type':'object','properties':{'l4':{'type':'object',"
        "'properties':{'l5':{'type':'object','properties':{'x':{'type':"
        "'integer'}}}},'required':['l5']}},'required':['l4']}},'required':"
        "['l3']}},'required':['l2']}",
        "{'type':'object','properties':{'l2':{'type':'object','properties':"
        "{'l3':{'type':'object','properties':{'l4':{'type':'object',"
        "'properties':{'l5':{'type':'object','properties':{'x':{'type':"
        "['integer','null']}},'required':['x'],'additionalProperties':false}},"
        "'required':['l5'],'additionalProperties':false}},'required':['l4'],"
        "'additionalProperties':false}},'required':['l3'],"
        "'additionalProperties':false}},'required':['l2'],"
        "'additionalProperties':false}");
}

/* A schema that is strict already (every object closed, every property
 * required, the optional ones nullable) goes out exactly as it came:
 * nested objects, arrays of objects, $defs and definitions, anyOf
 * members, a nullable $ref, and "required" in its own order. */
static void test_already_strict_is_unchanged(void **state)
{
    (void)state;
    const char *strict_schema =
        "{'type':'object','properties':{"
        "'id':{'type':'string'},"
        "'note':{'type':['string','null']},"
        "'owner':{'type':'object','properties':{'name':{'type':'string'},"
        "'email':{'type':['string','null']}},'required':['email','name'],"
        "'additionalProperties':false},"
        "'lines':{'type':'array','items':{'type':'object','properties':{"
        "'sku':{'type':'string'},'qty':{'type':'integer'}},'required':['sku',"
        "'qty'],'additionalProperties':false}},"
        "'home':{'$ref':'#/$defs/Addr'},"
        "'work':{'anyOf':[{'$ref':'#/definitions/Addr2'},{'type':'null'}]},"
        "'pay':{'anyOf':[{'type':'object','properties':{'card':{'type':"
        "'string'}},'required':['card'],'additionalProperties':false},"
        "{'type':'object','properties':{'iban':{'type':'string'}},'required':"
        "['iban'],'additionalProperties':false}]}},"
        "'required':['pay','work','home','lines','owner','note','id'],"
        "'additionalProperties':false,"
        "'$defs':{'Addr':{'type':'object','properties':{'zip':{'type':"
        "'string'}},'required':['zip'],'additionalProperties':false}},"
        "'definitions':{'Addr2':{'type':'object','properties':{'s':{'type':"
        "'string'}},'required':['s'],'additionalProperties':false}}}";
    expect_strict(strict_schema, strict_schema);
}

/* A "required" list naming something that is not a property is rebuilt
 * from the properties (a strict schema lists exactly those). */
static void test_required_with_unknown_name_is_rebuilt(void **state)
{
    (void)state;
    expect_strict(
        "{'type':'object','properties':{'a':{'type':'string'}},'required':"
        "['a','ghost'],'additionalProperties':false}",
        "{'type':'object','properties':{'a':{'type':'string'}},'required':"
        "['a'],'additionalProperties':false}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_example_person),
        cmocka_unit_test(test_optional_properties_become_nullable),
        cmocka_unit_test(test_no_required_list),
        cmocka_unit_test(test_nested_objects_and_items),
        cmocka_unit_test(test_optional_nested_object),
        cmocka_unit_test(test_defs_definitions_and_ref),
        cmocka_unit_test(test_any_one_all_of),
        cmocka_unit_test(test_enum_const_and_already_nullable),
        cmocka_unit_test(test_additional_properties_kept),
        cmocka_unit_test(test_untyped_root_and_tuples),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_already_strict_is_unchanged),
        cmocka_unit_test(test_required_with_unknown_name_is_rebuilt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
