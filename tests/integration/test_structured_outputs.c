/*
 * test_structured_outputs.c - what the model sends back, through the real
 * plugin and build/mock-server: invalid answers (not JSON, wrong type,
 * missing required field, extra property) with the exact error path and
 * the raw answer in the message; a large nested schema (five levels,
 * arrays of objects, enums, a shared $ref, 55 properties) end to end; two
 * choices, no choices, empty content, and JSON in a ```json block.
 */
#include "structured_it.h"
#include "../support/requote.h"

#define TOOL_MODE "\"structured_output_mode\":\"tool\""
#define RF_MODE "\"structured_output_mode\":\"response_format\""

/* JSON written with ' for readability (requote's rotating buffers). */
static const char *Q(const char *s)
{
    return requote(s, '\'');
}

#define CONTACT                                                              \
    "{'type':'object','properties':{'name':{'type':'string'},'address':"     \
    "{'type':'object','properties':{'street':{'type':'string'},'zip':{'type':" \
    "'string'}},'required':['street','zip'],'additionalProperties':false}},"  \
    "'required':['name','address'],'additionalProperties':false}"

/* One call in tool mode that must fail validation with this message. */
static void expect_invalid(const char *scenario, const char *model,
                           const char *message)
{
    mock_proc m;
    so_start(&m, NULL, (const char *const[]){scenario, NULL});
    mp_instance *inst = so_instance(&m, model, TOOL_MODE);
    so_result r;
    assert_int_equal(so_call(inst, SO_REQUEST, Q(CONTACT), "Contact", NULL, &r),
                     MP_E_VALIDATION);
    assert_string_equal(r.err.message, Q(message));
    assert_int_equal(r.err.http_status, 0);
    assert_int_equal(r.writes, 0);
    so_expect_requests(&m, SO_CHAT);
    so_result_free(&r);
    so_destroy(inst);
    so_stop(&m);
}

static void test_invalid_output_not_json(void **state)
{
    (void)state;
    expect_invalid("so_bad_not_json.scn", "so-bad-not-json",
                   "structured output is not valid JSON: invalid JSON at byte 1: "
                   "quoted object property name expected; the model returned in "
                   "tool call 'Contact': {name: 'Zed', address: {zip: 12345}}");
}

static void test_invalid_output_wrong_type(void **state)
{
    (void)state;
    expect_invalid("so_bad_wrong_type.scn", "so-bad-wrong-type",
                   "structured output failed the schema: $.address.zip: expected "
                   "type string, got integer 12345; the model returned in tool call "
                   "'Contact': {'name': 'Zed', 'address': {'street': '1 Main St', "
                   "'zip': 12345}}");
}

static void test_invalid_output_missing_required_field(void **state)
{
    (void)state;
    expect_invalid("so_bad_missing.scn", "so-bad-missing",
                   "structured output failed the schema: $.address.zip: required "
                   "property is missing; the model returned in tool call 'Contact': "
                   "{'name': 'Zed', 'address': {'street': '1 Main St'}}");
}

static void test_invalid_output_extra_property(void **state)
{
    (void)state;
    expect_invalid("so_bad_extra.scn", "so-bad-extra",
                   "structured output failed the schema: $.nickname: property is "
                   "not allowed (additionalProperties is false); the model returned "
                   "in tool call 'Contact': {'name': 'Zed', 'nickname': 'Z', "
                   "'address': {'street': '1 Main St', 'zip': '12345'}}");
}

/* The order schema: 55 properties, five object levels, a $ref used twice. */
static const char order_schema[] =
    "{'type':'object','title':'Order','properties':{"
    "'order_id':{'type':'string','minLength':3,'maxLength':20},"
    "'status':{'type':'string','enum':['pending','paid','shipped','delivered','cancelled']},"
    "'created_at':{'type':'string'},"
    "'priority':{'type':'integer','minimum':1,'maximum':5},"
    "'gift':{'type':'boolean'},"
    "'notes':{'type':['string','null']},"
    "'tags':{'type':'array','items':{'type':'string','enum':['fragile','express',"
    "'bulk','gift']},'maxItems':4,'uniqueItems':true},"
    "'customer':{'type':'object','properties':{"
    " 'customer_id':{'type':'string'},"
    " 'name':{'type':'string','minLength':1},"
    " 'email':{'type':'string'},"
    " 'phone':{'type':['string','null']},"
    " 'tier':{'type':'string','enum':['bronze','silver','gold']},"
    " 'address':{'$ref':'#/$defs/Address'},"
    " 'preferences':{'type':'object','properties':{"
    "  'newsletter':{'type':'boolean'},"
    "  'language':{'type':'string','enum':['en','fr','de']},"
    "  'contact_times':{'type':'array','items':{'type':'object','properties':{"
    "   'day':{'type':'string','enum':['mon','tue','wed','thu','fri']},"
    "   'from_hour':{'type':'integer','minimum':0,'maximum':23},"
    "   'to_hour':{'type':'integer','minimum':0,'maximum':23}},"
    "   'required':['day','from_hour','to_hour'],'additionalProperties':false}}},"
    "  'required':['newsletter','language','contact_times'],'additionalProperties':false}},"
    " 'required':['customer_id','name','email','tier','address','preferences'],"
    " 'additionalProperties':false},"
    "'items':{'type':'array','minItems':1,'items':{'type':'object','properties':{"
    " 'sku':{'type':'string'},"
    " 'name':{'type':'string'},"
    " 'quantity':{'type':'integer','minimum':1},"
    " 'unit_price':{'type':'number','exclusiveMinimum':0},"
    " 'discounts':{'type':'array','items':{'type':'object','properties':{"
    "  'code':{'type':'string'},"
    "  'percent':{'type':'number','minimum':0,'maximum':100}},"
    "  'required':['code','percent'],'additionalProperties':false}},"
    " 'attributes':{'type':'object','properties':{"
    "  'color':{'type':'string'},"
    "  'size':{'type':'string','enum':['S','M','L','XL']}},"
    "  'required':['color'],'additionalProperties':false}},"
    " 'required':['sku','name','quantity','unit_price','discounts','attributes'],"
    " 'additionalProperties':false}},"
    "'shipping':{'type':'object','properties':{"
    " 'method':{'type':'string','enum':['standard','express','pickup']},"
    " 'cost':{'type':'number','minimum':0},"
    " 'eta_days':{'type':'integer','minimum':0},"
    " 'address':{'$ref':'#/$defs/Address'}},"
    " 'required':['method','cost','eta_days','address'],'additionalProperties':false},"
    "'totals':{'type':'object','properties':{"
    " 'subtotal':{'type':'number'},"
    " 'tax':{'type':'number'},"
    " 'shipping':{'type':'number'},"
    " 'grand_total':{'type':'number'},"
    " 'currency':{'type':'string','enum':['USD','EUR','GBP']}},"
    " 'required':['subtotal','tax','shipping','grand_total','currency'],"
    " 'additionalProperties':false}},"
    "'required':['order_id','status','created_at','priority','customer','items',"
    "'shipping','totals'],"
    "'additionalProperties':false,"
    "'$defs':{'Address':{'type':'object','properties':{"
    " 'line1':{'type':'string'},"
    " 'line2':{'type':['string','null']},"
    " 'city':{'type':'string'},"
    " 'region':{'type':'string'},"
    " 'postal_code':{'type':'string','minLength':3,'maxLength':10},"
    " 'country':{'type':'string','enum':['US','FR','DE','GB']},"
    " 'geo':{'type':'object','properties':{"
    "  'lat':{'type':'number','minimum':-90,'maximum':90},"
    "  'lon':{'type':'number','minimum':-180,'maximum':180},"
    "  'accuracy':{'type':'object','properties':{"
    "   'meters':{'type':'number','minimum':0},"
    "   'source':{'type':'string','enum':['gps','ip','manual']}},"
    "   'required':['meters','source'],'additionalProperties':false}},"
    "  'required':['lat','lon','accuracy'],'additionalProperties':false}},"
    " 'required':['line1','city','postal_code','country','geo'],"
    " 'additionalProperties':false}}}";

/* The answer of so_large_order.scn without the nulls it sent for three
 * optional properties (gift, items[0].attributes.size,
 * shipping.address.region), compact, numbers as spelled. */
static const char order_output[] =
    "{'order_id':'ORD-2024-0042','status':'paid','created_at':'2024-05-01T10:15:00Z',"
    "'priority':2,'notes':null,'tags':['fragile','express'],'customer':{"
    "'customer_id':'C-981','name':'Zo\xc3\xab M\xc3\xbcller','email':'zoe@example.com',"
    "'phone':null,'tier':'gold','address':{'line1':'12 Rue de Rivoli','line2':null,"
    "'city':'Paris','region':'\xc3\x8ele-de-France','postal_code':'75001','country':'FR',"
    "'geo':{'lat':48.8606,'lon':2.3376,'accuracy':{'meters':12.5,'source':'gps'}}},"
    "'preferences':{'newsletter':true,'language':'fr','contact_times':[{'day':'mon',"
    "'from_hour':9,'to_hour':12},{'day':'thu','from_hour':14,'to_hour':18}]}},"
    "'items':[{'sku':'SKU-1','name':'Teapot','quantity':1,'unit_price':35.0,"
    "'discounts':[],'attributes':{'color':'blue'}},{'sku':'SKU-2','name':"
    "'Cups (set of 4)','quantity':2,'unit_price':12.5,'discounts':[{'code':'SPRING',"
    "'percent':10}],'attributes':{'color':'white','size':'M'}}],'shipping':{"
    "'method':'express','cost':9.9,'eta_days':2,'address':{'line1':'5 Baker Street',"
    "'line2':'Flat B','city':'London','postal_code':'NW1 6XE','country':'GB','geo':"
    "{'lat':51.5237,'lon':-0.1585,'accuracy':{'meters':30,'source':'manual'}}}},"
    "'totals':{'subtotal':57.5,'tax':11.5,'shipping':9.9,'grand_total':78.9,"
    "'currency':'EUR'}}";

/* auto: the probe says yes, the strict schema goes out (the server checks
 * its shape), the answer comes back validated and without the nulls. */
static void test_large_nested_schema(void **state)
{
    (void)state;
    mock_proc m;
    so_start(&m, NULL, (const char *const[]){"so_large_order.scn", NULL});
    mp_instance *inst = so_instance(&m, "so-large", NULL);
    so_result r;
    so_call(inst, SO_REQUEST, Q(order_schema), "Order", "A customer order", &r);
    so_expect_output(&r, Q(order_output));
    so_expect_requests(&m, SO_V1_INFO " | " SO_CHAT);
    so_result_free(&r);
    so_destroy(inst);
    so_stop(&m);
}

/* The same schema with a wrong enum value five levels down. */
static void test_large_nested_schema_deep_error_path(void **state)
{
    (void)state;
    mock_proc m;
    so_start(&m, NULL, (const char *const[]){"so_large_order_bad.scn", NULL});
    mp_instance *inst = so_instance(&m, "so-large-bad", RF_MODE);
    so_result r;
    assert_int_equal(so_call(inst, SO_REQUEST, Q(order_schema), "Order", NULL, &r),
                     MP_E_VALIDATION);
    const char *want = Q("structured output failed the schema: "
        "$.customer.address.geo.accuracy.source: value 'satellite' is not one of "
        "the allowed values ['gps','ip','manual']; the model returned as text: "
        "{'order_id':'ORD-2024-0042'");
    if (strncmp(r.err.message, want, strlen(want)) != 0)
        fail_msg("message: %s", r.err.message);
    so_result_free(&r);
    so_destroy(inst);
    so_stop(&m);
}

/* Reference 6.1: more than one choice is an error. */
static void test_multiple_choices(void **state)
{
    (void)state;
    mock_proc m;
    so_start(&m, NULL, (const char *const[]){"so_multi_choice.scn", NULL});
    mp_instance *inst = so_instance(&m, "so-multi", RF_MODE);
    so_result r;
    assert_int_equal(so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel",
                             NULL, &r), MP_E_PROTOCOL);
    assert_string_equal(r.err.message, "structured output: Multiple choices found "
                        "in the response (2; is params.n set?)");
    so_result_free(&r);
    so_destroy(inst);
    so_stop(&m);
}

/* One call on `scenario` that must fail with `code` and exactly
 * `message`; nothing is written and the chat call is the only request. */
static void expect_failure(const char *scenario, const char *model,
                           const char *config_extra, int code,
                           const char *message)
{
    mock_proc m;
    so_start(&m, NULL, (const char *const[]){scenario, NULL});
    mp_instance *inst = so_instance(&m, model, config_extra);
    so_result r;
    assert_int_equal(so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel",
                             NULL, &r), code);
    assert_string_equal(r.err.message, message);
    assert_int_equal(r.writes, 0);
    so_expect_requests(&m, SO_CHAT);
    so_result_free(&r);
    so_destroy(inst);
    so_stop(&m);
}

/* Reference 6.1: no choices at all is an error. */
static void test_no_choices(void **state)
{
    (void)state;
    expect_failure("so_no_choices.scn", "so-no-choices", TOOL_MODE, MP_E_PROTOCOL,
                   "structured output: No choices found in the response");
}

/* Empty content and no tool call: nothing to validate, said plainly. */
static void test_empty_content(void **state)
{
    (void)state;
    expect_failure("so_empty_content.scn", "so-empty", TOOL_MODE, MP_E_VALIDATION,
                   "structured output: the model returned neither a tool call "
                   "nor any text");
}

/* JSON in a ```json block is read from inside the fence (auto, the
 * response_format path). */
static void test_fenced_json_is_accepted(void **state)
{
    (void)state;
    mock_proc m;
    so_start(&m, NULL, (const char *const[]){"so_fenced_json.scn", NULL});
    mp_instance *inst = so_instance(&m, "so-fenced", NULL);
    so_result r;
    so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel", NULL, &r);
    so_expect_output(&r, "{\"name\":\"Fay\",\"age\":33}");
    so_expect_requests(&m, SO_V1_INFO " | " SO_CHAT);
    so_result_free(&r);
    so_destroy(inst);
    so_stop(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SO_TEST(test_invalid_output_not_json),
        SO_TEST(test_invalid_output_wrong_type),
        SO_TEST(test_invalid_output_missing_required_field),
        SO_TEST(test_invalid_output_extra_property),
        SO_TEST(test_large_nested_schema),
        SO_TEST(test_large_nested_schema_deep_error_path),
        SO_TEST(test_multiple_choices),
        SO_TEST(test_no_choices),
        SO_TEST(test_empty_content),
        SO_TEST(test_fenced_json_is_accepted),
    };
    return cmocka_run_group_tests(tests, so_setup, so_teardown);
}
