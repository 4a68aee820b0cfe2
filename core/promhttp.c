/* promhttp: the metrics HTTP server on libmicrohttpd (core/promhttp.h). */
#include "core/promhttp.h"
#include "core/promtext.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the library, loaded when the server starts ------------------------- *
 * libmicrohttpd brings GnuTLS (and nettle, p11-kit, gmp...): linked in, every
 * vmdeck command would pay their relocations at start-up, as it did for
 * libvncclient (core/vnc_worker.c). Only `vmdeck metrics` serves HTTP, so it
 * is dlopen()ed there, before the HTTP thread exists. */

static struct {
	__typeof__(&MHD_start_daemon) start_daemon;
	__typeof__(&MHD_stop_daemon) stop_daemon;
	__typeof__(&MHD_create_response_from_buffer) from_buffer;
	__typeof__(&MHD_create_response_from_callback) from_callback;
	__typeof__(&MHD_add_response_header) add_header;
	__typeof__(&MHD_queue_response) queue_response;
	__typeof__(&MHD_destroy_response) destroy_response;
} mhd;

static int load_library(char **err)
{
	if (mhd.start_daemon)
		return 0;
	void *h = dlopen(VMDECK_MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		return error_set(err, "cannot load the HTTP server library: %s", e ? e : VMDECK_MHD_SONAME);
	}
	struct {
		const char *name;
		void **to;
	} syms[] = {
		{ "MHD_start_daemon", (void **)&mhd.start_daemon },
		{ "MHD_stop_daemon", (void **)&mhd.stop_daemon },
		{ "MHD_create_response_from_buffer", (void **)&mhd.from_buffer },
		{ "MHD_create_response_from_callback", (void **)&mhd.from_callback },
		{ "MHD_add_response_header", (void **)&mhd.add_header },
		{ "MHD_queue_response", (void **)&mhd.queue_response },
		{ "MHD_destroy_response", (void **)&mhd.destroy_response },
	};
	for (size_t i = 0; i < ARRAY_LEN(syms); i++)
		if (!(*syms[i].to = dlsym(h, syms[i].name))) {
			mhd.start_daemon = NULL;
			return error_set(err, "cannot load the HTTP server library: %s has no %s", VMDECK_MHD_SONAME,
					 syms[i].name);
		}
	return 0; /* h stays open for the life of the process */
}

/* ---- addresses ----------------------------------------------------------- */

static void addr_text(struct promhttp_addr *a)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&a->ss;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
		a->loopback = (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
		snprintf(a->text, sizeof(a->text), "%s:%u", host, port);
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
		a->loopback = IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr) ||
			      (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) && s6->sin6_addr.s6_addr[12] == 127);
		snprintf(a->text, sizeof(a->text), "[%s]:%u", host, port);
	}
}

int promhttp_addr_parse(const char *s, struct promhttp_addr *out, char **err)
{
	memset(out, 0, sizeof(*out));
	const char *colon = s ? strrchr(s, ':') : NULL;
	if (!colon || colon == s)
		return error_kind_set(err, ERR_INVALID, "'%s' is not ADDR:PORT (for example %s)", s ? s : "",
				      PROMHTTP_DEFAULT_ADDR);
	unsigned long long port;
	if (parse_uint(colon + 1, 0, 65535, &port) < 0)
		return error_kind_set(err, ERR_INVALID, "'%s': the port must be a number from 0 to 65535", s);
	char host[INET6_ADDRSTRLEN + 2];
	size_t hl = (size_t)(colon - s);
	if (hl >= sizeof(host))
		return error_kind_set(err, ERR_INVALID, "'%s': not an IPv4 address or [IPv6] address", s);
	memcpy(host, s, hl);
	host[hl] = 0;
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	struct sockaddr_in *s4 = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->ss;
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		host[hl - 1] = 0;
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			return error_kind_set(err, ERR_INVALID, "'%s': '%s' is not an IPv6 address", s, host + 1);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		out->len = sizeof(*s6);
	} else if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		out->len = sizeof(*s4);
	} else {
		return error_kind_set(err, ERR_INVALID,
				      "'%s': '%s' is not an IPv4 address, [IPv6] address or localhost", s, host);
	}
	addr_text(out);
	return 0;
}

/* ---- snapshots ----------------------------------------------------------- */

/* Immutable once published; freed by whoever drops the last reference (the
 * loop on the next publish, or the HTTP thread when a response is done). */
struct snap {
	atomic_uint refs;
	size_t len;
	char text[];
};

static void snap_unref(struct snap *s)
{
	if (s && atomic_fetch_sub(&s->refs, 1) == 1)
		free(s);
}

struct promhttp {
	struct MHD_Daemon *d;
	int fd;
	struct promhttp_addr bound;
	pthread_mutex_t mu;
	struct snap *cur; /* under mu */
	atomic_ulong requests;
};

void promhttp_publish(struct promhttp *h, const char *text, size_t len)
{
	struct snap *s = xmalloc(sizeof(*s) + len + 1);
	atomic_init(&s->refs, 1);
	s->len = len;
	memcpy(s->text, text, len);
	s->text[len] = 0;
	pthread_mutex_lock(&h->mu);
	struct snap *old = h->cur;
	h->cur = s;
	pthread_mutex_unlock(&h->mu);
	snap_unref(old);
}

static struct snap *snap_get(struct promhttp *h)
{
	pthread_mutex_lock(&h->mu);
	struct snap *s = h->cur;
	if (s)
		atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&h->mu);
	return s;
}

/* ---- the HTTP side (runs on libmicrohttpd's thread) ---------------------- */

static ssize_t snap_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct snap *s = cls;
	if (pos >= s->len)
		return MHD_CONTENT_READER_END_OF_STREAM;
	size_t n = s->len - (size_t)pos < max ? s->len - (size_t)pos : max;
	memcpy(buf, s->text + pos, n);
	return (ssize_t)n;
}

static void snap_done(void *cls)
{
	snap_unref(cls);
}

static enum MHD_Result answer_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *r = mhd.from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	mhd.add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	enum MHD_Result ret = mhd.queue_response(c, status, r);
	mhd.destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	(void)version;
	(void)upload;
	struct promhttp *h = cls;
	if (*upload_size) { /* a body nobody asked for: swallow it, answer at the end */
		*upload_size = 0;
		return MHD_YES;
	}
	atomic_fetch_add(&h->requests, 1);
	(void)con_cls;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return answer_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (strcmp(url, "/") == 0)
		return answer_text(c, MHD_HTTP_OK, "vmdeck metrics: scrape /metrics\n");
	if (strcmp(url, "/metrics") != 0)
		return answer_text(c, MHD_HTTP_NOT_FOUND, "not found: scrape /metrics\n");
	struct snap *s = snap_get(h);
	if (!s)
		return answer_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no snapshot yet\n");
	struct MHD_Response *r = mhd.from_callback(s->len, 64 * 1024, snap_read, s, snap_done);
	mhd.add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, PROMTEXT_CONTENT_TYPE);
	enum MHD_Result ret = mhd.queue_response(c, MHD_HTTP_OK, r);
	mhd.destroy_response(r); /* the response (and s) lives until it is sent */
	return ret;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("vmdeck: metrics: http: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* ---- start / stop -------------------------------------------------------- */

static int listen_on(const struct promhttp_addr *a, int *fd_out, char **err)
{
	int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_set(err, "%s: socket: %s", a->text, strerror(errno));
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0 || listen(fd, 512) < 0) {
		int e = errno;
		close(fd);
		if (e == EADDRINUSE)
			return error_kind_set(err, ERR_BUSY,
					      "%s: address already in use (another vmdeck metrics or exporter listens "
					      "there; choose one with --listen ADDR:PORT)", a->text);
		if (e == EACCES || e == EPERM)
			return error_kind_set(err, ERR_PERM, "%s: %s (ports below 1024 need CAP_NET_BIND_SERVICE)",
					      a->text, strerror(e));
		if (e == EADDRNOTAVAIL)
			return error_kind_set(err, ERR_INVALID, "%s: not an address of this host", a->text);
		return error_set(err, "%s: %s", a->text, strerror(e));
	}
	*fd_out = fd;
	return 0;
}

int promhttp_start(const struct promhttp_addr *addr, struct promhttp **out, char **err)
{
	*out = NULL;
	int fd = -1, rc = load_library(err);
	if (rc < 0)
		return rc;
	rc = listen_on(addr, &fd, err);
	if (rc < 0)
		return rc;
	struct promhttp *h = xcalloc(1, sizeof(*h));
	h->fd = fd;
	pthread_mutex_init(&h->mu, NULL);
	h->bound = *addr;
	h->bound.len = sizeof(h->bound.ss);
	if (getsockname(fd, (struct sockaddr *)&h->bound.ss, &h->bound.len) == 0)
		addr_text(&h->bound);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	if (addr->ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* The HTTP thread must never take a signal meant for the loop's
	 * signalfd (SIGTERM would kill the process there): it starts with
	 * every signal blocked and keeps that mask. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	h->d = mhd.start_daemon(flags, 0, NULL, NULL, on_request, h,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				MHD_OPTION_LISTEN_SOCKET, fd,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)PROMHTTP_TIMEOUT_S,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)PROMHTTP_MAX_CONNECTIONS,
				MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!h->d) {
		close(fd);
		pthread_mutex_destroy(&h->mu);
		free(h);
		return error_set(err, "%s: the HTTP server (libmicrohttpd) did not start", addr->text);
	}
	*out = h;
	return 0;
}

const struct promhttp_addr *promhttp_addr_bound(const struct promhttp *h)
{
	return &h->bound;
}

unsigned long promhttp_requests(const struct promhttp *h)
{
	return atomic_load(&((struct promhttp *)h)->requests);
}

void promhttp_free(struct promhttp *h)
{
	if (!h)
		return;
	mhd.stop_daemon(h->d); /* joins the thread; responses in flight release their snapshots */
	close(h->fd);
	snap_unref(h->cur);
	pthread_mutex_destroy(&h->mu);
	free(h);
}
