/* lvso: libvirt's C library, loaded with dlopen() when a libvirt connection is
 * first opened (as core/xmlso.c does with libxml2): linked, libvirt.so.0 and
 * what it brings (GnuTLS, libxml2, libssh, ...) would cost every command's
 * start-up, paid by `start`, `status` and scripts that never talk to libvirt.
 *
 * Include it after nothing else of libvirt's, in the files that call libvirt
 * (core/lvhost*.c, core/lvevent.c): the names below then call through the
 * table lvso_load() fills. Thread-safe; loads once. */
#ifndef VMDECK_LVSO_H
#define VMDECK_LVSO_H

#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

struct lvso {
	__typeof__(&virEventRegisterImpl) EventRegisterImpl;
	__typeof__(&virInitialize) Initialize;
	__typeof__(&virSetErrorFunc) SetErrorFunc;
	__typeof__(&virGetLastErrorMessage) GetLastErrorMessage;
	__typeof__(&virConnectOpenAuth) ConnectOpenAuth;
	__typeof__(&virConnectClose) ConnectClose;
	__typeof__(&virConnectRef) ConnectRef;
	__typeof__(&virDomainOpenGraphicsFD) DomainOpenGraphicsFD;
	__typeof__(&virConnectRegisterCloseCallback) ConnectRegisterCloseCallback;
	__typeof__(&virConnectUnregisterCloseCallback) ConnectUnregisterCloseCallback;
	__typeof__(&virConnectSetKeepAlive) ConnectSetKeepAlive;
	__typeof__(&virConnectDomainEventRegisterAny) ConnectDomainEventRegisterAny;
	__typeof__(&virConnectDomainEventDeregisterAny) ConnectDomainEventDeregisterAny;
	__typeof__(&virConnectListAllDomains) ConnectListAllDomains;
	__typeof__(&virDomainGetName) DomainGetName;
	__typeof__(&virDomainGetState) DomainGetState;
	__typeof__(&virDomainGetMetadata) DomainGetMetadata;
	__typeof__(&virDomainFree) DomainFree;
	__typeof__(&virDomainLookupByName) DomainLookupByName;
	__typeof__(&virDomainCreate) DomainCreate;
	__typeof__(&virDomainShutdown) DomainShutdown;
	__typeof__(&virDomainDestroy) DomainDestroy;
	__typeof__(&virDomainSuspend) DomainSuspend;
	__typeof__(&virDomainResume) DomainResume;
	__typeof__(&virDomainReset) DomainReset;
	/* libvirt-qemu.so.0, loaded by lvso_qemu_load() (the monitor pane) */
	__typeof__(&virDomainQemuMonitorCommand) DomainQemuMonitorCommand;
};
extern struct lvso lvso;

/* 0, or -1 with *err ("cannot load libvirt: …"). Also silences libvirt's
 * default error printing (it would write on the TUI's screen): errors are
 * read with virGetLastErrorMessage() where they happen; and initializes
 * libvirt (virInitialize: CPU work only, no peer) on the calling thread —
 * core/lvhost.c calls it on the loop's, which lives to the end: libvirt's
 * init leaves per-thread state of OpenSSL's (via curl and libssh2) that a
 * worker thread's exit would leak. */
int lvso_load(char **err);
/* libvirt's QEMU library (virDomainQemuMonitorCommand), when a monitor
 * command is first sent. 0, or -1 with *err. */
int lvso_qemu_load(char **err);

#ifndef LVSO_IMPL
#define virEventRegisterImpl lvso.EventRegisterImpl
#define virInitialize lvso.Initialize
#define virSetErrorFunc lvso.SetErrorFunc
#define virGetLastErrorMessage lvso.GetLastErrorMessage
#define virConnectOpenAuth lvso.ConnectOpenAuth
#define virConnectClose lvso.ConnectClose
#define virConnectRef lvso.ConnectRef
#define virDomainOpenGraphicsFD lvso.DomainOpenGraphicsFD
#define virConnectRegisterCloseCallback lvso.ConnectRegisterCloseCallback
#define virConnectUnregisterCloseCallback lvso.ConnectUnregisterCloseCallback
#define virConnectSetKeepAlive lvso.ConnectSetKeepAlive
#define virConnectDomainEventRegisterAny lvso.ConnectDomainEventRegisterAny
#define virConnectDomainEventDeregisterAny lvso.ConnectDomainEventDeregisterAny
#define virConnectListAllDomains lvso.ConnectListAllDomains
#define virDomainGetName lvso.DomainGetName
#define virDomainGetState lvso.DomainGetState
#define virDomainGetMetadata lvso.DomainGetMetadata
#define virDomainFree lvso.DomainFree
#define virDomainLookupByName lvso.DomainLookupByName
#define virDomainCreate lvso.DomainCreate
#define virDomainShutdown lvso.DomainShutdown
#define virDomainDestroy lvso.DomainDestroy
#define virDomainSuspend lvso.DomainSuspend
#define virDomainResume lvso.DomainResume
#define virDomainReset lvso.DomainReset
#define virDomainQemuMonitorCommand lvso.DomainQemuMonitorCommand
#endif

#endif
