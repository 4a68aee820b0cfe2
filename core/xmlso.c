/* xmlso: libxml2 through dlopen() (see the header for why). */
#define XMLSO_IMPL
#include "core/xmlso.h"

#include "core/util.h"

#include <pthread.h>
#include <stdio.h>

struct xmlso xmlso;
static char load_error[256];

static void load_once(void)
{
	void (*check)(int) = NULL; /* the check libxml2 asks of its users */
	const struct dl_sym syms[] = {
		{ "xmlCheckVersion", (void **)&check },
		{ "xmlBufferCreate", (void **)&xmlso.BufferCreate },
		{ "xmlBufferFree", (void **)&xmlso.BufferFree },
		{ "xmlBufferContent", (void **)&xmlso.BufferContent },
		{ "xmlNewTextWriterMemory", (void **)&xmlso.NewTextWriterMemory },
		{ "xmlFreeTextWriter", (void **)&xmlso.FreeTextWriter },
		{ "xmlTextWriterSetIndent", (void **)&xmlso.TextWriterSetIndent },
		{ "xmlTextWriterSetIndentString", (void **)&xmlso.TextWriterSetIndentString },
		{ "xmlTextWriterStartDocument", (void **)&xmlso.TextWriterStartDocument },
		{ "xmlTextWriterEndDocument", (void **)&xmlso.TextWriterEndDocument },
		{ "xmlTextWriterStartElement", (void **)&xmlso.TextWriterStartElement },
		{ "xmlTextWriterStartElementNS", (void **)&xmlso.TextWriterStartElementNS },
		{ "xmlTextWriterEndElement", (void **)&xmlso.TextWriterEndElement },
		{ "xmlTextWriterWriteAttribute", (void **)&xmlso.TextWriterWriteAttribute },
		{ "xmlTextWriterWriteElement", (void **)&xmlso.TextWriterWriteElement },
		{ "xmlTextWriterWriteString", (void **)&xmlso.TextWriterWriteString },
		{ "xmlReadMemory", (void **)&xmlso.ReadMemory },
		{ "xmlFreeDoc", (void **)&xmlso.FreeDoc },
		{ "xmlDocGetRootElement", (void **)&xmlso.DocGetRootElement },
		{ "xmlGetProp", (void **)&xmlso.GetProp },
		{ "xmlNodeGetContent", (void **)&xmlso.NodeGetContent },
		{ "xmlGetLineNo", (void **)&xmlso.GetLineNo },
		{ "xmlGetLastError", (void **)&xmlso.GetLastError },
		{ "xmlFree", (void **)&xmlso.Free },
	};
	char *err = NULL;
	if (dl_load(VMDECK_LIBXML2_SONAME, "libxml2", syms, ARRAY_LEN(syms), &err) < 0) {
		snprintf(load_error, sizeof load_error, "%s", err);
		free(err);
		return;
	}
	check(LIBXML_VERSION); /* against the headers vmdeck was built with */
}

int xmlso_load(char **err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, load_once);
	if (xmlso.Free)
		return 0;
	return error_set(err, "%s", load_error);
}
