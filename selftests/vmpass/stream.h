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

/*
 * A reader gives up after this long without a byte, counted in time the
 * machine ran (idle_poll()).
 */
#define IDLE_TIMEOUT_MS	20000
#define IDLE_SLICE_MS	1000

/* One direction of a transfer; @mask drops bits a 7-bit line would. */
struct stream {
	int fd;
	__u32 seed;
	__u8 mask;
	size_t len;
	size_t done;
	int err;
	struct timespec first;	/* when the reader got its first byte */
	long long paused_ms;	/* the reader's longest pause (idle_poll()) */
};

static inline long long stream_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/*
 * poll() for @events on @fd, until @limit_ms pass in which the machine
 * ran and nothing came. The wait goes in slices of IDLE_SLICE_MS; a slice
 * that takes more than half a slice longer was a pause of the whole
 * machine (a VM whose emulator stopped it, or a host that did not run it),
 * which counts as one slice, not as its wall time, since no peer could
 * have sent anything meanwhile. Pauses are forgiven only so far: the wait
 * ends in any case after three times @limit_ms of wall time. The longest
 * pause goes to *@paused_ms if it is longer than what that holds. Returns
 * poll()'s result: 1 when @fd is ready, 0 on the limit, -1 with errno on
 * an error.
 */
static inline int idle_poll(int fd, short events, int limit_ms, long long *paused_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	long long idle = 0, start = stream_now_ms();

	while (idle < limit_ms && stream_now_ms() - start < 3LL * limit_ms) {
		long long t0 = stream_now_ms(), t;
		int r = poll(&p, 1, IDLE_SLICE_MS);

		if (r)
			return r;
		t = stream_now_ms() - t0;
		if (t > IDLE_SLICE_MS * 3 / 2) {
			if (paused_ms && t - IDLE_SLICE_MS > *paused_ms)
				*paused_ms = t - IDLE_SLICE_MS;
			t = IDLE_SLICE_MS;
		}
		idle += t;
	}
	return 0;
}

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
		ssize_t r, i;

		r = idle_poll(s->fd, POLLIN, IDLE_TIMEOUT_MS, &s->paused_ms);
		if (r <= 0) {
			s->err = r ? errno : ETIMEDOUT;
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
