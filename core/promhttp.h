/* promhttp: serve one text snapshot (the Prometheus exposition vmdeck's
 * metrics verb builds) over HTTP with libmicrohttpd.
 *
 * Threads: libmicrohttpd runs its own polling thread (epoll, non-blocking
 * sockets), so no HTTP client — one that connects and never sends, one that
 * never reads its answer, a hundred at once — can hold the caller's loop.
 * The loop publishes a finished, immutable snapshot (promhttp_publish); the
 * HTTP thread takes a reference to the current one under a mutex and streams
 * it, so a scrape never waits for the loop and never sees a half-built text.
 * Idle or stuck connections are closed after PROMHTTP_TIMEOUT_S. */
#ifndef VMDECK_PROMHTTP_H
#define VMDECK_PROMHTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define PROMHTTP_DEFAULT_ADDR "127.0.0.1:9177"
#define PROMHTTP_TIMEOUT_S 10        /* a connection silent this long is closed */
#define PROMHTTP_MAX_CONNECTIONS 1000 /* more are refused at accept */

struct promhttp_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	bool loopback;  /* 127.0.0.0/8 or ::1 (or ::ffff:127.x): only this host can connect */
	char text[64];  /* "127.0.0.1:9177", "[::1]:9177" */
};

/* "ADDR:PORT" with ADDR an IPv4 address, [IPv6] or "localhost", PORT 0-65535
 * (0: the kernel picks one; promhttp_addr_bound says which). -ERR_INVALID
 * with a message saying what is wrong otherwise. Pure (no lookup). */
int promhttp_addr_parse(const char *s, struct promhttp_addr *out, char **err);

struct promhttp;

/* Bind and listen on addr, then start serving: GET/HEAD /metrics (the
 * current snapshot; 503 until the first publish), / (a pointer to
 * /metrics), anything else 404. Errors name the address: -ERR_BUSY when it
 * is in use, -ERR_PERM for a privileged port, -ERR_INVALID when the address
 * is not this host's. */
int promhttp_start(const struct promhttp_addr *addr, struct promhttp **out, char **err);
/* Where it really listens (the port the kernel chose for port 0). */
const struct promhttp_addr *promhttp_addr_bound(const struct promhttp *h);
/* Replace the snapshot (copied). Scrapes in flight finish with the old one. */
void promhttp_publish(struct promhttp *h, const char *text, size_t len);
/* How many requests were answered (any status), for tests and logs. */
unsigned long promhttp_requests(const struct promhttp *h);
/* Stop the thread, close every connection. NULL is a no-op. */
void promhttp_free(struct promhttp *h);

#endif
