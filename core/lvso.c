/* lvso: libvirt through dlopen() (see the header for why). */
#define LVSO_IMPL
#include "core/lvso.h"

#include "core/util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct lvso lvso;
static char load_error[256];

static void quiet(void *ud, virErrorPtr e)
{
	(void)ud;
	(void)e;
}

static void load_once(void)
{
	const struct dl_sym syms[] = {
		{ "virEventRegisterImpl", (void **)&lvso.EventRegisterImpl },
		{ "virInitialize", (void **)&lvso.Initialize },
		{ "virSetErrorFunc", (void **)&lvso.SetErrorFunc },
		{ "virGetLastErrorMessage", (void **)&lvso.GetLastErrorMessage },
		{ "virConnectOpenAuth", (void **)&lvso.ConnectOpenAuth },
		{ "virConnectClose", (void **)&lvso.ConnectClose },
		{ "virConnectRef", (void **)&lvso.ConnectRef },
		{ "virDomainOpenGraphicsFD", (void **)&lvso.DomainOpenGraphicsFD },
		{ "virConnectRegisterCloseCallback", (void **)&lvso.ConnectRegisterCloseCallback },
		{ "virConnectUnregisterCloseCallback", (void **)&lvso.ConnectUnregisterCloseCallback },
		{ "virConnectSetKeepAlive", (void **)&lvso.ConnectSetKeepAlive },
		{ "virConnectDomainEventRegisterAny", (void **)&lvso.ConnectDomainEventRegisterAny },
		{ "virConnectDomainEventDeregisterAny", (void **)&lvso.ConnectDomainEventDeregisterAny },
		{ "virConnectListAllDomains", (void **)&lvso.ConnectListAllDomains },
		{ "virDomainGetName", (void **)&lvso.DomainGetName },
		{ "virDomainGetState", (void **)&lvso.DomainGetState },
		{ "virDomainGetMetadata", (void **)&lvso.DomainGetMetadata },
		{ "virDomainFree", (void **)&lvso.DomainFree },
		{ "virDomainLookupByName", (void **)&lvso.DomainLookupByName },
		{ "virDomainCreate", (void **)&lvso.DomainCreate },
		{ "virDomainShutdown", (void **)&lvso.DomainShutdown },
		{ "virDomainDestroy", (void **)&lvso.DomainDestroy },
		{ "virDomainSuspend", (void **)&lvso.DomainSuspend },
		{ "virDomainResume", (void **)&lvso.DomainResume },
		{ "virDomainReset", (void **)&lvso.DomainReset },
	};
	char *err = NULL;
	if (dl_load(VMDECK_LIBVIRT_SONAME, "libvirt", syms, ARRAY_LEN(syms), &err) < 0) {
		snprintf(load_error, sizeof load_error, "%s", err);
		free(err);
		return;
	}
	lvso.SetErrorFunc(NULL, quiet);
	if (lvso.Initialize() < 0) {
		snprintf(load_error, sizeof load_error, "cannot initialize libvirt");
		lvso.DomainReset = NULL; /* lvso_load fails */
	}
}

int lvso_load(char **err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, load_once);
	if (lvso.DomainReset)
		return 0;
	return error_set(err, "%s", load_error);
}

static char qemu_error[256];

static void qemu_once(void)
{
	const struct dl_sym syms[] = {
		{ "virDomainQemuMonitorCommand", (void **)&lvso.DomainQemuMonitorCommand },
	};
	char *err = NULL;
	if (dl_load(VMDECK_LIBVIRT_QEMU_SONAME, "libvirt-qemu", syms, ARRAY_LEN(syms), &err) < 0) {
		snprintf(qemu_error, sizeof qemu_error, "%s", err);
		free(err);
	}
}

int lvso_qemu_load(char **err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, qemu_once);
	if (lvso.DomainQemuMonitorCommand)
		return 0;
	return error_set(err, "%s", qemu_error);
}
