/* xmlso: libxml2 through dlopen() (see the header for why). */
#define XMLSO_IMPL
#include "core/xmlso.h"

#include "core/util.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

struct xmlso xmlso;
static char load_error[256];

static void load_once(void)
{
	void *h = dlopen(VMDECK_LIBXML2_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		snprintf(load_error, sizeof load_error, "cannot load libxml2: %s", e ? e : VMDECK_LIBXML2_SONAME);
		return;
	}
	struct {
		const char *name;
		void **to;
	} syms[] = {
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
	for (size_t i = 0; i < ARRAY_LEN(syms); i++)
		if (!(*syms[i].to = dlsym(h, syms[i].name))) {
			snprintf(load_error, sizeof load_error, "cannot load libxml2: %s has no %s", VMDECK_LIBXML2_SONAME,
				 syms[i].name);
			xmlso.Free = NULL;
			return;
		}
	/* The check libxml2 asks of its users, against the headers built with. */
	void (*check)(int) = (void (*)(int))dlsym(h, "xmlCheckVersion");
	if (check)
		check(LIBXML_VERSION);
}

int xmlso_load(char **err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, load_once);
	if (xmlso.Free)
		return 0;
	return error_set(err, "%s", load_error);
}
