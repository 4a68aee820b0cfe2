/* promtext: the Prometheus text exposition format (version 0.0.4), written
 * into a strbuf. Pure: no I/O, no clock. Label values are escaped (\\, \",
 * \n), names are checked, counters print as exact integers. */
#ifndef VMDECK_PROMTEXT_H
#define VMDECK_PROMTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf;

/* The Content-Type a scraper expects for this format. */
#define PROMTEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

enum promtext_type { PROMTEXT_GAUGE = 0, PROMTEXT_COUNTER, PROMTEXT_UNTYPED };

/* One label: name="value". A NULL value is written as "". */
struct promtext_label {
	const char *name, *value;
};

/* [a-zA-Z_:][a-zA-Z0-9_:]* (metric) and [a-zA-Z_][a-zA-Z0-9_]* (label). */
bool promtext_name_valid(const char *name);
bool promtext_label_name_valid(const char *name);

/* "# HELP name help\n# TYPE name type\n" (help's \ and newlines escaped).
 * Every sample of a family must follow its header, before the next one. */
void promtext_family(struct strbuf *b, const char *name, enum promtext_type type, const char *help);

/* name{l1="v1",…} value\n. An invalid name aborts (a programming error);
 * n_labels may be 0. */
void promtext_sample_u64(struct strbuf *b, const char *name, const struct promtext_label *labels, size_t n_labels,
			 uint64_t value);
void promtext_sample_double(struct strbuf *b, const char *name, const struct promtext_label *labels,
			    size_t n_labels, double value);

#endif
