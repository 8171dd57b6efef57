/*
 * test_http_backoff.c - the wait between retries (decision 17,
 * http_transport.h lp_backoff_ms): exponential in the attempt number, capped,
 * jittered over [cap/2, cap], never shorter than Retry-After, and drawn from
 * a generator private to each transport and seeded differently for each.
 * (The retries themselves are exercised end to end in
 * tests/integration/test_stream_errors.c and test_stream_transport.c.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugin/transport/http_transport.h"

static lp_config config(int64_t base, int64_t max)
{
    lp_config c;
    memset(&c, 0, sizeof c);
    c.retry_base_ms = base;
    c.retry_max_ms = max;
    return c;
}

static void test_exponential_within_jitter_bounds(void **state)
{
    (void)state;
    lp_config c = config(500, 30000);
    uint64_t rng = 12345;
    int64_t cap = 500;
    for (int attempt = 0; attempt < 12; attempt++) {
        for (int i = 0; i < 200; i++) {
            int64_t d = lp_backoff_ms(&c, attempt, -1, &rng);
            if (d < cap / 2 || d > cap)
                fail_msg("attempt %d: %lld ms outside [%lld, %lld]", attempt,
                         (long long)d, (long long)(cap / 2), (long long)cap);
        }
        cap = cap * 2 > 30000 ? 30000 : cap * 2;
    }
}

/* The waits really spread: both halves of [cap/2, cap] are hit, with many
 * distinct values (200 draws all in one half would be a broken generator;
 * chance 2^-199). */
static void test_jitter_spreads(void **state)
{
    (void)state;
    lp_config c = config(1000, 30000);
    uint64_t rng = 99;
    int low = 0, high = 0, distinct = 0;
    int64_t seen[200];
    for (int i = 0; i < 200; i++) {
        int64_t d = lp_backoff_ms(&c, 1, -1, &rng); /* cap 2000 */
        if (d < 1500)
            low++;
        else
            high++;
        int dup = 0;
        for (int j = 0; j < distinct; j++)
            dup |= seen[j] == d;
        if (!dup)
            seen[distinct++] = d;
    }
    assert_true(low > 0 && high > 0);
    assert_true(distinct > 50);
}

static void test_retry_after_is_a_floor(void **state)
{
    (void)state;
    lp_config c = config(100, 1000);
    uint64_t rng = 7;
    /* Longer than any backoff: exactly the server's wait. */
    assert_int_equal(lp_backoff_ms(&c, 0, 5000, &rng), 5000);
    assert_int_equal(lp_backoff_ms(&c, 9, 5000, &rng), 5000);
    /* Shorter: the backoff, which is longer anyway. */
    for (int i = 0; i < 50; i++) {
        int64_t d = lp_backoff_ms(&c, 3, 10, &rng); /* cap 800 */
        assert_true(d >= 400 && d <= 800);
    }
    /* No backoff configured: only Retry-After, else no wait at all. */
    lp_config none = config(0, 1000);
    assert_int_equal(lp_backoff_ms(&none, 2, -1, &rng), 0);
    assert_int_equal(lp_backoff_ms(&none, 2, 250, &rng), 250);
}

/* Two transports (two instances, or two processes started together) do
 * not draw the same waits: each seeds its own generator. */
static void test_each_transport_has_its_own_sequence(void **state)
{
    (void)state;
    lp_transport a, b;
    assert_int_equal(lp_transport_init(&a), MP_OK);
    assert_int_equal(lp_transport_init(&b), MP_OK);
    assert_true(a.rng != b.rng);
    lp_config c = config(10000, 30000);
    int same = 0;
    for (int i = 0; i < 8; i++)
        same += lp_backoff_ms(&c, 0, -1, &a.rng) ==
                lp_backoff_ms(&c, 0, -1, &b.rng);
    assert_true(same < 8);
    lp_transport_free(&a);
    lp_transport_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exponential_within_jitter_bounds),
        cmocka_unit_test(test_jitter_spreads),
        cmocka_unit_test(test_retry_after_is_a_floor),
        cmocka_unit_test(test_each_transport_has_its_own_sequence),
    };
    return cmocka_run_group_tests_name("http_backoff", tests, NULL, NULL);
}
