#ifndef PICKETLINE_CCURL_SHIM_H
#define PICKETLINE_CCURL_SHIM_H

#include <curl/curl.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* curl_easy_setopt, curl_multi_setopt and curl_easy_getinfo are variadic, which
   Swift cannot call. Each wrapper fixes one argument type. */

typedef size_t (*pl_data_callback)(char *data, size_t size, size_t count, void *userdata);
typedef curl_socket_t (*pl_opensocket_callback)(void *clientp, curlsocktype purpose, struct curl_sockaddr *address);

static inline CURLcode pl_global_init(void) {
    return curl_global_init(CURL_GLOBAL_ALL);
}

static inline CURLcode pl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode pl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode pl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode pl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode pl_easy_setopt_write_callback(CURL *handle, pl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}

static inline CURLcode pl_easy_setopt_header_callback(CURL *handle, pl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}

static inline CURLcode pl_easy_setopt_opensocket_callback(CURL *handle, pl_opensocket_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, callback);
}

static inline CURLcode pl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode pl_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLMcode pl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

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
