/* xmlso: libxml2, loaded with dlopen() when a libvirt XML is first written or
 * read (as core/vnc_worker.c does with libvncclient): linked in, libxml2 and
 * the ICU and libstdc++ it brings cost every vmdeck command's start-up some
 * 3.5 M instructions (`vmdeck --version`: 4.8 M instead of 1.3 M), paid by
 * `start`, `status` and scripts that never see an XML.
 *
 * Include it after libxml2's headers, in the files that call libxml2: the
 * names below then call through the table xmlso_load() fills. Every entry
 * point that uses libxml2 calls xmlso_load() first. */
#ifndef VMDECK_XMLSO_H
#define VMDECK_XMLSO_H

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlwriter.h>

struct xmlso {
	__typeof__(&xmlBufferCreate) BufferCreate;
	__typeof__(&xmlBufferFree) BufferFree;
	__typeof__(&xmlBufferContent) BufferContent;
	__typeof__(&xmlNewTextWriterMemory) NewTextWriterMemory;
	__typeof__(&xmlFreeTextWriter) FreeTextWriter;
	__typeof__(&xmlTextWriterSetIndent) TextWriterSetIndent;
	__typeof__(&xmlTextWriterSetIndentString) TextWriterSetIndentString;
	__typeof__(&xmlTextWriterStartDocument) TextWriterStartDocument;
	__typeof__(&xmlTextWriterEndDocument) TextWriterEndDocument;
	__typeof__(&xmlTextWriterStartElement) TextWriterStartElement;
	__typeof__(&xmlTextWriterStartElementNS) TextWriterStartElementNS;
	__typeof__(&xmlTextWriterEndElement) TextWriterEndElement;
	__typeof__(&xmlTextWriterWriteAttribute) TextWriterWriteAttribute;
	__typeof__(&xmlTextWriterWriteElement) TextWriterWriteElement;
	__typeof__(&xmlTextWriterWriteString) TextWriterWriteString;
	__typeof__(&xmlReadMemory) ReadMemory;
	__typeof__(&xmlFreeDoc) FreeDoc;
	__typeof__(&xmlDocGetRootElement) DocGetRootElement;
	__typeof__(&xmlGetProp) GetProp;
	__typeof__(&xmlNodeGetContent) NodeGetContent;
	__typeof__(&xmlGetLineNo) GetLineNo;
	__typeof__(&xmlGetLastError) GetLastError;
	xmlFreeFunc *Free; /* libxml2's own free: the variable xmlFree */
};
extern struct xmlso xmlso;

/* 0, or -1 with *err ("cannot load libxml2: …"). Loads once; thread-safe. */
int xmlso_load(char **err);

#ifndef XMLSO_IMPL
#define xmlBufferCreate xmlso.BufferCreate
#define xmlBufferFree xmlso.BufferFree
#define xmlBufferContent xmlso.BufferContent
#define xmlNewTextWriterMemory xmlso.NewTextWriterMemory
#define xmlFreeTextWriter xmlso.FreeTextWriter
#define xmlTextWriterSetIndent xmlso.TextWriterSetIndent
#define xmlTextWriterSetIndentString xmlso.TextWriterSetIndentString
#define xmlTextWriterStartDocument xmlso.TextWriterStartDocument
#define xmlTextWriterEndDocument xmlso.TextWriterEndDocument
#define xmlTextWriterStartElement xmlso.TextWriterStartElement
#define xmlTextWriterStartElementNS xmlso.TextWriterStartElementNS
#define xmlTextWriterEndElement xmlso.TextWriterEndElement
#define xmlTextWriterWriteAttribute xmlso.TextWriterWriteAttribute
#define xmlTextWriterWriteElement xmlso.TextWriterWriteElement
#define xmlTextWriterWriteString xmlso.TextWriterWriteString
#define xmlReadMemory xmlso.ReadMemory
#define xmlFreeDoc xmlso.FreeDoc
#define xmlDocGetRootElement xmlso.DocGetRootElement
#define xmlGetProp xmlso.GetProp
#define xmlNodeGetContent xmlso.NodeGetContent
#define xmlGetLineNo xmlso.GetLineNo
#define xmlGetLastError xmlso.GetLastError
#undef xmlFree
#define xmlFree (*xmlso.Free)
#endif

#endif
