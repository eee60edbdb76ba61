#ifndef PICKETLINE_CCURL_H
#define PICKETLINE_CCURL_H

/* libcurl, loaded with dlopen on first use rather than linked: a `serve` that sends no
   webhook never maps libcurl, OpenSSL, GnuTLS, Kerberos and LDAP (about 5.5 MB of RSS).
   <curl/curl.h> gives the types and constants; every function goes through a pl_ wrapper. */

#include <curl/curl.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* Loads libcurl.so.4 (or the library PICKETLINE_LIBCURL names) and runs curl_global_init, once per process and safe from any thread.
   Returns NULL when libcurl is ready, otherwise why it is not (a string that lives for
   the process). No other pl_ function may be called until this has returned NULL. */
const char *pl_curl_load(void);

CURL *pl_easy_init(void);
void pl_easy_cleanup(CURL *handle);
void pl_easy_reset(CURL *handle);
const char *pl_easy_strerror(CURLcode code);
void pl_free(void *pointer);

CURLM *pl_multi_init(void);
CURLMcode pl_multi_cleanup(CURLM *multi);
CURLMcode pl_multi_add_handle(CURLM *multi, CURL *handle);
CURLMcode pl_multi_remove_handle(CURLM *multi, CURL *handle);
CURLMcode pl_multi_perform(CURLM *multi, int *running);
CURLMcode pl_multi_poll(CURLM *multi, struct curl_waitfd extra[], unsigned int count, int timeoutMs, int *ready);
CURLMcode pl_multi_wakeup(CURLM *multi);
CURLMsg *pl_multi_info_read(CURLM *multi, int *remaining);
const char *pl_multi_strerror(CURLMcode code);

struct curl_slist *pl_slist_append(struct curl_slist *list, const char *line);
void pl_slist_free_all(struct curl_slist *list);

CURLU *pl_url(void);
void pl_url_cleanup(CURLU *handle);
CURLUcode pl_url_get(CURLU *handle, CURLUPart what, char **part, unsigned int flags);
CURLUcode pl_url_set(CURLU *handle, CURLUPart what, const char *part, unsigned int flags);
const char *pl_url_strerror(CURLUcode code);

/* curl_easy_setopt, curl_multi_setopt and curl_easy_getinfo are variadic, which
   Swift cannot call. Each wrapper fixes one argument type. */

typedef size_t (*pl_data_callback)(char *data, size_t size, size_t count, void *userdata);
typedef curl_socket_t (*pl_opensocket_callback)(void *clientp, curlsocktype purpose, struct curl_sockaddr *address);

CURLcode pl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode pl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode pl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode pl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode pl_easy_setopt_write_callback(CURL *handle, pl_data_callback callback);
CURLcode pl_easy_setopt_header_callback(CURL *handle, pl_data_callback callback);
CURLcode pl_easy_setopt_opensocket_callback(CURL *handle, pl_opensocket_callback callback);
CURLcode pl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode pl_easy_getinfo_double(CURL *handle, CURLINFO info, double *value);
CURLMcode pl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);

/* Copies the IP address curl is about to connect to into `out` (16 bytes).
   Returns 4 or 16 for the address length, or 0 for a family that is not IP.
   curl_sockaddr's `addr` is declared as a plain sockaddr but curl allocates
   room for the real family's struct, which is awkward to reach from Swift. */
static inline int pl_sockaddr_ip(const struct curl_sockaddr *address, unsigned char out[16]) {
    if (address->family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)&address->addr;
        memcpy(out, &v4->sin_addr, 4);
        return 4;
    }
    if (address->family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&address->addr;
        memcpy(out, &v6->sin6_addr, 16);
        return 16;
    }
    return 0;
}

#endif
