/*
 * bare_plugin.c - the cold-start baseline of `make bench`: a shared
 * object that does only what any libcurl-based plugin must on load,
 * libcurl's global init (and its cleanup on unload).  bench_cold loads,
 * inits, deinits and unloads it the way a host cycles the real plugin.
 */
#include <curl/curl.h>

__attribute__((visibility("default"))) int bare_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

__attribute__((visibility("default"))) void bare_deinit(void)
{
    curl_global_cleanup();
}
