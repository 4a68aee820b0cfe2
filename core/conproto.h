/* conproto: the wire format of a VM's console socket, RUN/console.sock,
 * shared by the supervisor's relay (plain libc) and its clients (core/console.h).
 *
 * The supervisor is QEMU's only client of the serial port (a socketpair
 * passed as fd 3: -chardev socket,id=serial0,fd=3); it writes RUN/serial.log
 * (rotated) and relays the port to any number of clients on console.sock,
 * an AF_UNIX SOCK_SEQPACKET socket. Every message is one type byte and a
 * payload of at most CONPROTO_DATA_MAX bytes. Every client sees the guest's
 * output; one client at a time, the holder, may type. */
#ifndef VMDECK_CONPROTO_H
#define VMDECK_CONPROTO_H

#define CONPROTO_DATA_MAX 4096
#define CONPROTO_MSG_MAX (CONPROTO_DATA_MAX + 1)
#define CONPROTO_WHO_MAX 64      /* "vmdeck console", "vmdeck (TUI)" */
#define CONPROTO_REPLAY_MAX 16384 /* the newest output a new client may ask for */
#define CONPROTO_CLIENTS_MAX 16

enum conproto_type {
	/* client -> relay */
	CON_HELLO = 'H',   /* first message: replay flag ('r': send the newest output first, '-': not), then who */
	CON_ATTACH = 'A',  /* 'a': hold the console if nobody does; 'f': take it over */
	CON_RELEASE = 'R', /* stop holding (stay a viewer) */
	CON_INPUT = 'I',   /* bytes for the guest; dropped unless the sender holds the console */
	/* relay -> client */
	CON_OUTPUT = 'O',  /* the guest's bytes */
	CON_HELD = 'Y',    /* you hold the console now */
	CON_BUSY = 'B',    /* "PID WHO": the holder; your CON_ATTACH 'a' was refused */
	CON_TAKEN = 'T',   /* "PID WHO" took the console over: you are a viewer now */
};

#endif
