/*
 * loopback_server.h - a tiny chat-completions server on 127.0.0.1 inside
 * the host process, so `agent-host validate` can exercise a plugin's
 * streaming, concurrency and cancellation without any network or setup.
 *
 * A request whose body mentions "validate-slow" gets an endless stream of
 * text chunks (one every 20 ms) until the client goes away; anything else
 * gets a short streamed answer "Hello from validate" with usage.
 */
#ifndef HOST_LOOPBACK_SERVER_H
#define HOST_LOOPBACK_SERVER_H

typedef struct loopback_server loopback_server;

/* Start listening on an ephemeral port; NULL on failure. */
loopback_server *loopback_start(void);
int loopback_port(const loopback_server *s);
/* Stop accepting and wait until every connection thread has ended. */
void loopback_stop(loopback_server *s);

#endif
