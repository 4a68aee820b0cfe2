/* promtext: the Prometheus text exposition format (core/promtext.h). */
#include "core/promtext.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static bool name_chars_ok(const char *s, bool colon)
{
	if (!s || !*s)
		return false;
	for (const char *p = s; *p; p++) {
		char c = *p;
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
		if (!alpha && !(p != s && c >= '0' && c <= '9'))
			return false;
	}
	return true;
}

bool promtext_name_valid(const char *name)
{
	return name_chars_ok(name, true);
}

bool promtext_label_name_valid(const char *name)
{
	/* Names starting with __ are reserved for Prometheus itself. */
	return name_chars_ok(name, false) && strncmp(name, "__", 2) != 0;
}

/* Escape \ and newline (and " in label values). */
static void add_escaped(struct strbuf *b, const char *s, bool quote)
{
	for (const char *p = s ? s : ""; *p; p++) {
		if (*p == '\\')
			strbuf_adds(b, "\\\\");
		else if (*p == '\n')
			strbuf_adds(b, "\\n");
		else if (quote && *p == '"')
			strbuf_adds(b, "\\\"");
		else
			strbuf_add(b, p, 1);
	}
}

void promtext_family(struct strbuf *b, const char *name, enum promtext_type type, const char *help)
{
	static const char *const types[] = { "gauge", "counter", "untyped" };
	if (!promtext_name_valid(name))
		fatal("promtext: invalid metric name '%s'", name);
	strbuf_addf(b, "# HELP %s ", name);
	add_escaped(b, help, false);
	strbuf_addf(b, "\n# TYPE %s %s\n", name, types[type]);
}

static void sample_head(struct strbuf *b, const char *name, const struct promtext_label *labels, size_t n)
{
	if (!promtext_name_valid(name))
		fatal("promtext: invalid metric name '%s'", name);
	strbuf_adds(b, name);
	if (!n) {
		strbuf_adds(b, " ");
		return;
	}
	strbuf_adds(b, "{");
	for (size_t i = 0; i < n; i++) {
		if (!promtext_label_name_valid(labels[i].name))
			fatal("promtext: invalid label name '%s'", labels[i].name);
		strbuf_addf(b, "%s%s=\"", i ? "," : "", labels[i].name);
		add_escaped(b, labels[i].value, true);
		strbuf_adds(b, "\"");
	}
	strbuf_adds(b, "} ");
}

void promtext_sample_u64(struct strbuf *b, const char *name, const struct promtext_label *labels, size_t n_labels,
			 uint64_t value)
{
	sample_head(b, name, labels, n_labels);
	strbuf_addf(b, "%llu\n", (unsigned long long)value);
}

void promtext_sample_double(struct strbuf *b, const char *name, const struct promtext_label *labels,
			    size_t n_labels, double value)
{
	sample_head(b, name, labels, n_labels);
	if (isnan(value))
		strbuf_adds(b, "NaN\n");
	else if (isinf(value))
		strbuf_adds(b, value > 0 ? "+Inf\n" : "-Inf\n");
	else
		strbuf_addf(b, "%.15g\n", value);
}
