/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Byte streams that both ends can regenerate (xorshift32 from a seed), for
 * the transfer tests: a writer thread, and a reader thread that checks
 * every byte. The same streams cross the 8250 oracle (com_ports.c) and
 * the KVM echo guest (vmm.c).
 */
#ifndef VMPASS_SELFTEST_STREAM_H
#define VMPASS_SELFTEST_STREAM_H

#include <errno.h>
#include <linux/types.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <time.h>
#include <unistd.h>

/* A reader gives up after this long without a byte. */
#define IDLE_TIMEOUT_MS	20000

/* One direction of a transfer; @mask drops bits a 7-bit line would. */
struct stream {
	int fd;
	__u32 seed;
	__u8 mask;
	size_t len;
	size_t done;
	int err;
	struct timespec first;	/* when the reader got its first byte */
};

static inline __u8 stream_byte(__u32 *x, __u8 mask)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x & mask;
}

static inline void *stream_writer(void *arg)
{
	struct stream *s = arg;
	__u8 buf[4096];
	__u32 x = s->seed;

	pthread_setcanceltype(PTHREAD_CANCEL_DEFERRED, NULL);
	while (s->done < s->len) {
		size_t n = s->len - s->done < sizeof(buf) ? s->len - s->done : sizeof(buf);
		size_t i, off = 0;

		for (i = 0; i < n; i++)
			buf[i] = stream_byte(&x, s->mask);
		while (off < n) {
			ssize_t r = write(s->fd, buf + off, n - off);

			if (r < 0) {
				s->err = errno;
				return NULL;
			}
			off += r;
			s->done += r;
		}
	}
	return NULL;
}

/* Reads s->len bytes and checks each; s->err is EIO on a wrong byte. */
static inline void *stream_reader(void *arg)
{
	struct stream *s = arg;
	__u8 buf[4096];
	__u32 x = s->seed;

	while (s->done < s->len) {
		struct pollfd p = { .fd = s->fd, .events = POLLIN };
		ssize_t r, i;

		if (poll(&p, 1, IDLE_TIMEOUT_MS) <= 0) {
			s->err = ETIMEDOUT;
			return NULL;
		}
		r = read(s->fd, buf, sizeof(buf));
		if (r < 0) {
			s->err = errno;
			return NULL;
		}
		if (!s->done && r > 0)
			clock_gettime(CLOCK_MONOTONIC, &s->first);
		for (i = 0; i < r; i++) {
			if (buf[i] != stream_byte(&x, s->mask)) {
				s->err = EIO;
				return NULL;
			}
		}
		s->done += r;
	}
	return NULL;
}

#endif /* VMPASS_SELFTEST_STREAM_H */
