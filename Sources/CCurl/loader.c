#include "CCurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* Every libcurl function Picketline calls, resolved from libcurl.so.4 by name. The pointer
   types come from <curl/curl.h>, so a signature cannot drift from the header. */
#define PL_CURL_FUNCTIONS(X) \
    X(curl_global_init) X(curl_easy_init) X(curl_easy_cleanup) X(curl_easy_reset) \
    X(curl_easy_setopt) X(curl_easy_getinfo) X(curl_easy_strerror) X(curl_free) \
    X(curl_multi_init) X(curl_multi_cleanup) X(curl_multi_add_handle) X(curl_multi_remove_handle) \
    X(curl_multi_perform) X(curl_multi_poll) X(curl_multi_wakeup) X(curl_multi_info_read) \
    X(curl_multi_setopt) X(curl_multi_strerror) X(curl_slist_append) X(curl_slist_free_all) \
    X(curl_url) X(curl_url_cleanup) X(curl_url_get) X(curl_url_set) X(curl_url_strerror)

#define PL_DECLARE(name) static __typeof__(name) *p_##name;
PL_CURL_FUNCTIONS(PL_DECLARE)

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_problem[512];
static int loaded;

static void load(void) {
    /* PICKETLINE_LIBCURL names another build of the library (a path, or a name the loader finds). */
    const char *file = getenv("PICKETLINE_LIBCURL");
    if (file == NULL || file[0] == '\0') file = "libcurl.so.4";
    void *library = dlopen(file, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *why = dlerror();
        snprintf(load_problem, sizeof load_problem, "libcurl could not be loaded (%s); install libcurl4",
                 why ? why : "unknown error");
        return;
    }
#define PL_RESOLVE(name)                                                                                 \
    p_##name = (__typeof__(name) *)dlsym(library, #name);                                                \
    if (p_##name == NULL) {                                                                              \
        snprintf(load_problem, sizeof load_problem, "%s has no %s; libcurl 7.88 or later is needed", file, #name); \
        return;                                                                                          \
    }
    PL_CURL_FUNCTIONS(PL_RESOLVE)
    CURLcode code = p_curl_global_init(CURL_GLOBAL_ALL);
    if (code != CURLE_OK) {
        snprintf(load_problem, sizeof load_problem, "curl_global_init failed (code %d)", (int)code);
        return;
    }
    loaded = 1;
}

const char *pl_curl_load(void) {
    pthread_once(&load_once, load);
    return loaded ? NULL : load_problem;
}

CURL *pl_easy_init(void) { return p_curl_easy_init(); }
void pl_easy_cleanup(CURL *handle) { p_curl_easy_cleanup(handle); }
void pl_easy_reset(CURL *handle) { p_curl_easy_reset(handle); }
const char *pl_easy_strerror(CURLcode code) { return p_curl_easy_strerror(code); }
void pl_free(void *pointer) { p_curl_free(pointer); }

CURLM *pl_multi_init(void) { return p_curl_multi_init(); }
CURLMcode pl_multi_cleanup(CURLM *multi) { return p_curl_multi_cleanup(multi); }
CURLMcode pl_multi_add_handle(CURLM *multi, CURL *handle) { return p_curl_multi_add_handle(multi, handle); }
CURLMcode pl_multi_remove_handle(CURLM *multi, CURL *handle) { return p_curl_multi_remove_handle(multi, handle); }
CURLMcode pl_multi_perform(CURLM *multi, int *running) { return p_curl_multi_perform(multi, running); }
CURLMcode pl_multi_poll(CURLM *multi, struct curl_waitfd extra[], unsigned int count, int timeoutMs, int *ready) {
    return p_curl_multi_poll(multi, extra, count, timeoutMs, ready);
}
CURLMcode pl_multi_wakeup(CURLM *multi) { return p_curl_multi_wakeup(multi); }
CURLMsg *pl_multi_info_read(CURLM *multi, int *remaining) { return p_curl_multi_info_read(multi, remaining); }
const char *pl_multi_strerror(CURLMcode code) { return p_curl_multi_strerror(code); }

struct curl_slist *pl_slist_append(struct curl_slist *list, const char *line) { return p_curl_slist_append(list, line); }
void pl_slist_free_all(struct curl_slist *list) { p_curl_slist_free_all(list); }

CURLU *pl_url(void) { return p_curl_url(); }
void pl_url_cleanup(CURLU *handle) { p_curl_url_cleanup(handle); }
CURLUcode pl_url_get(CURLU *handle, CURLUPart what, char **part, unsigned int flags) {
    return p_curl_url_get(handle, what, part, flags);
}
CURLUcode pl_url_set(CURLU *handle, CURLUPart what, const char *part, unsigned int flags) {
    return p_curl_url_set(handle, what, part, flags);
}
const char *pl_url_strerror(CURLUcode code) { return p_curl_url_strerror(code); }

CURLcode pl_easy_setopt_long(CURL *handle, CURLoption option, long value) { return p_curl_easy_setopt(handle, option, value); }
CURLcode pl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return p_curl_easy_setopt(handle, option, value);
}
CURLcode pl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return p_curl_easy_setopt(handle, option, value);
}
CURLcode pl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return p_curl_easy_setopt(handle, option, value);
}
CURLcode pl_easy_setopt_write_callback(CURL *handle, pl_data_callback callback) {
    return p_curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}
CURLcode pl_easy_setopt_header_callback(CURL *handle, pl_data_callback callback) {
    return p_curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}
CURLcode pl_easy_setopt_opensocket_callback(CURL *handle, pl_opensocket_callback callback) {
    return p_curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, callback);
}
CURLcode pl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) { return p_curl_easy_getinfo(handle, info, value); }
CURLcode pl_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return p_curl_easy_getinfo(handle, info, value);
}
CURLMcode pl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) { return p_curl_multi_setopt(multi, option, value); }
