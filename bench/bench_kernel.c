/*
 * Kernel-mediated channels: pipe, UNIX socketpair, System V message queue,
 * POSIX message queue.  Each message is copied into the kernel by the
 * sender's call and out of it by the receiver's, then checked in the
 * receiver's buffer.  The message queues carry at most their maximum
 * message size per call (msgmax, msgsize_max: 8 KiB by default), so a
 * larger message goes as several chunks, as a program using them must do.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipcbench.h"

enum kind { K_PIPE, K_SOCK, K_SYSVMQ, K_POSIXMQ };

struct kmsg { /* what msgsnd sends: the data behind its type */
	long mtype;
	unsigned char mtext[];
};

struct kchan {
	int kind;
	int pipe[2][2]; /* per direction: read end, write end */
	int sock[2];	/* [0] the parent's end, [1] the child's */
	int msqid;
	mqd_t mq[2]; /* per direction */
	size_t chunk;
	unsigned char *rbuf;   /* message as received */
	struct kmsg *sbuf;     /* System V: a chunk behind its mtype */
	unsigned char *rspace; /* allocation holding rbuf */
};

static long read_long(const char *path, long def)
{
	FILE *f = fopen(path, "r");
	long v = def;
	if (f == NULL)
		return def;
	if (fscanf(f, "%ld", &v) != 1)
		v = def;
	fclose(f);
	return v;
}

static long sysv_msgmax(void)
{
	return read_long("/proc/sys/kernel/msgmax", 8192);
}

void bench_kernel_limits(struct bench_kernel_limits *l)
{
	int p[2], s[2];
	l->pipe_buf = l->sock_sndbuf = -1;
	if (pipe(p) == 0) {
		l->pipe_buf = fcntl(p[1], F_GETPIPE_SZ);
		close(p[0]);
		close(p[1]);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0) {
		int v = 0;
		socklen_t len = sizeof(v);
		if (getsockopt(s[0], SOL_SOCKET, SO_SNDBUF, &v, &len) == 0)
			l->sock_sndbuf = v;
		close(s[0]);
		close(s[1]);
	}
	l->msgmax = sysv_msgmax();
	l->msgmnb = read_long("/proc/sys/kernel/msgmnb", 16384);
	l->mq_msgsize = read_long("/proc/sys/fs/mqueue/msgsize_max", 8192);
	l->mq_maxmsg = read_long("/proc/sys/fs/mqueue/msg_max", 10);
	if (l->mq_maxmsg > 10)
		l->mq_maxmsg = 10; /* what we ask for: fits RLIMIT_MSGQUEUE */
}

static void write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			bench_die("write: %s", w < 0 ? strerror(errno) : "0");
		p += w;
		n -= (size_t)w;
	}
}

static void read_all(int fd, unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			bench_die("read: %s",
				  r < 0 ? strerror(errno) : "end of file");
		p += r;
		n -= (size_t)r;
	}
}

static void k_send(void *cv, int dir, const void *msg, size_t size)
{
	struct kchan *c = cv;
	const unsigned char *p = msg;
	switch (c->kind) {
	case K_PIPE:
		write_all(c->pipe[dir][1], p, size);
		return;
	case K_SOCK:
		write_all(c->sock[dir], p, size);
		return;
	case K_SYSVMQ:
		for (size_t off = 0; off < size; off += c->chunk) {
			size_t n =
			    size - off < c->chunk ? size - off : c->chunk;
			/* msgsnd wants the data right behind an mtype: this
			 * copy is the API's, a user pays it too. */
			c->sbuf->mtype = dir + 1;
			memcpy(c->sbuf->mtext, p + off, n);
			while (msgsnd(c->msqid, c->sbuf, n, 0) != 0)
				if (errno != EINTR)
					bench_die("msgsnd: %s",
						  strerror(errno));
		}
		return;
	default:
		for (size_t off = 0; off < size; off += c->chunk) {
			size_t n =
			    size - off < c->chunk ? size - off : c->chunk;
			while (mq_send(c->mq[dir], (const char *)p + off, n,
				       0) != 0)
				if (errno != EINTR)
					bench_die("mq_send: %s",
						  strerror(errno));
		}
	}
}

static const void *k_recv(void *cv, int dir, size_t size)
{
	struct kchan *c = cv;
	unsigned char *p = c->rbuf;
	switch (c->kind) {
	case K_PIPE:
		read_all(c->pipe[dir][0], p, size);
		break;
	case K_SOCK:
		read_all(c->sock[!dir], p, size);
		break;
	case K_SYSVMQ:
		for (size_t off = 0; off < size; off += c->chunk) {
			size_t n =
			    size - off < c->chunk ? size - off : c->chunk;
			/* msgrcv puts the mtype before the data: receive the
			 * chunk in place behind the previous one and put back
			 * the bytes its mtype overwrote (rbuf has room for one
			 * mtype in front), rather than copy it again. */
			unsigned char *at = p + off - sizeof(long);
			unsigned char keep[sizeof(long)];
			memcpy(keep, at, sizeof(keep));
			ssize_t r;
			while ((r = msgrcv(c->msqid, at, n, dir + 1, 0)) < 0)
				if (errno != EINTR)
					bench_die("msgrcv: %s",
						  strerror(errno));
			if ((size_t)r != n)
				bench_die("msgrcv: %zd bytes, expected %zu", r,
					  n);
			if (off > 0)
				memcpy(at, keep, sizeof(keep));
		}
		break;
	default:
		for (size_t off = 0; off < size; off += c->chunk) {
			size_t n =
			    size - off < c->chunk ? size - off : c->chunk;
			ssize_t r;
			/* The buffer must hold a whole mq_msgsize: rbuf has
			 * a chunk to spare at its end. */
			while ((r = mq_receive(c->mq[dir], (char *)p + off,
					       c->chunk, NULL)) < 0)
				if (errno != EINTR)
					bench_die("mq_receive: %s",
						  strerror(errno));
			if ((size_t)r != n)
				bench_die("mq_receive: %zd bytes, expected %zu",
					  r, n);
		}
	}
	return p;
}

static void k_recv_done(void *cv, int dir)
{
	(void)cv;
	(void)dir;
}

static mqd_t open_mq(size_t msgsize, long maxmsg)
{
	static unsigned serial;
	char name[64];
	snprintf(name, sizeof(name), "/shmconform-bench-%ld-%u", (long)getpid(),
		 serial++);
	struct mq_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.mq_maxmsg = maxmsg;
	attr.mq_msgsize = (long)msgsize;
	/* Unlinked as soon as it exists (the descriptors stay valid and the
	 * child inherits them), with signals held in between. */
	sigset_t old;
	bench_hold_signals(&old);
	mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
	int err = errno;
	if (q != (mqd_t)-1)
		mq_unlink(name);
	bench_release_signals(&old);
	if (q == (mqd_t)-1)
		bench_die("mq_open(msgsize %zu, maxmsg %ld): %s", msgsize,
			  maxmsg, strerror(err));
	return q;
}

static void *k_open(const struct bench_mech *m, size_t size,
		    enum bench_measure what)
{
	struct kchan *c = bench_xmalloc(sizeof(*c));
	memset(c, 0, sizeof(*c));
	(void)what;
	c->kind = m->backing;
	c->msqid = -1;
	c->chunk = size;
	struct bench_kernel_limits lim;
	switch (c->kind) {
	case K_PIPE:
		for (int d = 0; d < 2; d++)
			if (pipe2(c->pipe[d], O_CLOEXEC) != 0)
				bench_die("pipe: %s", strerror(errno));
		break;
	case K_SOCK:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
			       c->sock) != 0)
			bench_die("socketpair: %s", strerror(errno));
		break;
	case K_SYSVMQ: {
		long max = sysv_msgmax();
		if ((long)c->chunk > max)
			c->chunk = (size_t)max;
		sigset_t old;
		bench_hold_signals(&old);
		c->msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
		int err = errno;
		if (c->msqid >= 0)
			bench_reg_msqid(c->msqid);
		bench_release_signals(&old);
		if (c->msqid < 0)
			bench_die("msgget: %s", strerror(err));
		if (bench_verbose) /* tests check each id is gone at the end */
			fprintf(stderr, "ipcbench: System V queue id %d\n",
				c->msqid);
		c->sbuf = bench_xmalloc(sizeof(long) + c->chunk);
		break;
	}
	default:
		bench_kernel_limits(&lim);
		if ((long)c->chunk > lim.mq_msgsize)
			c->chunk = (size_t)lim.mq_msgsize;
		for (int d = 0; d < 2; d++)
			c->mq[d] = open_mq(c->chunk, lim.mq_maxmsg);
	}
	/* Room for an mtype in front and a spare chunk behind (see recv);
	 * the front keeps rbuf aligned as a slot is. */
	c->rspace = aligned_alloc(BENCH_LINE,
				  BENCH_LINE + size + c->chunk + BENCH_LINE);
	if (c->rspace == NULL)
		bench_die("out of memory");
	c->rbuf = c->rspace + BENCH_LINE;
	memset(c->rspace, 0, BENCH_LINE + size + c->chunk);
	return c;
}

static void k_close(void *cv, bool owner)
{
	struct kchan *c = cv;
	switch (c->kind) {
	case K_PIPE:
		for (int d = 0; d < 2; d++) {
			close(c->pipe[d][0]);
			close(c->pipe[d][1]);
		}
		break;
	case K_SOCK:
		close(c->sock[0]);
		close(c->sock[1]);
		break;
	case K_SYSVMQ:
		if (owner) {
			msgctl(c->msqid, IPC_RMID, NULL);
			bench_unreg_msqid(c->msqid);
		}
		break;
	default:
		mq_close(c->mq[0]);
		mq_close(c->mq[1]);
	}
	free(c->sbuf);
	free(c->rspace);
	free(c);
}

#define K_MECH(nm, kind, lab)                                                  \
	{                                                                      \
		.name = nm, .family = "kernel", .sync = "kernel",              \
		.label = lab, .open = k_open, .send = k_send, .recv = k_recv,  \
		.recv_done = k_recv_done, .close = k_close, .backing = kind,   \
	}

const struct bench_mech bench_kernel_mechs[] = {
    K_MECH("pipe", K_PIPE, "pipe"),
    K_MECH("socketpair", K_SOCK, "UNIX socketpair (stream)"),
    K_MECH("sysv-mq", K_SYSVMQ, "System V message queue"),
    K_MECH("posix-mq", K_POSIXMQ, "POSIX message queue"),
};
const size_t bench_kernel_nmechs =
    sizeof(bench_kernel_mechs) / sizeof(bench_kernel_mechs[0]);
