// SPDX-License-Identifier: GPL-2.0
/*
 * The host end of an echo guest (tools/minivmm/guests/pc_echo.S under
 * QEMU with vmpass-serial, or any guest that echoes what it receives):
 *
 *   qemu_echo stream LEN TTY[:7]...  LEN bytes to each tty at once, each
 *                                    checked as it comes back; ":7" masks
 *                                    the stream to 7 bits (a 7-bit line)
 *   qemu_echo rtt N TTY              N round trips of one byte; prints
 *                                    the median and mean in microseconds
 *   qemu_echo break TTY              send a break (the guest's signal to
 *                                    report and stop)
 *
 * The ttys' line settings (c_cflag) are left as the guest set them: only
 * the line discipline is made raw. stream prints TAP, one line per tty;
 * the exit status is non-zero if any tty failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "stream.h"

#define MAX_TTYS	16

static int open_raw(const char *path)
{
	struct termios t;
	int fd = open(path, O_RDWR | O_NOCTTY);

	if (fd < 0) {
		fprintf(stderr, "qemu_echo: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (tcgetattr(fd, &t) == 0) {
		t.c_iflag = 0;
		t.c_oflag = 0;
		t.c_lflag = 0;
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		t.c_cflag |= CLOCAL | CREAD;
		t.c_cflag &= ~CRTSCTS;
		tcsetattr(fd, TCSANOW, &t);
	}
	tcflush(fd, TCIOFLUSH);
	return fd;
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

struct echo {
	char path[64];
	struct stream tx, rx;
	pthread_t tx_thread, rx_thread;
};

static int stream_all(size_t len, int nr, char **args)
{
	static struct echo e[MAX_TTYS];
	long long start = now_us();
	int i, failed = 0;

	for (i = 0; i < nr; i++) {
		char *colon;
		__u8 mask = 0xff;
		int fd;

		snprintf(e[i].path, sizeof(e[i].path), "%s", args[i]);
		colon = strchr(e[i].path, ':');
		if (colon) {
			mask = !strcmp(colon, ":7") ? 0x7f : 0xff;
			*colon = '\0';
		}
		fd = open_raw(e[i].path);
		if (fd < 0)
			return 1;
		/* What goes out comes back: one seed for both directions. */
		e[i].tx = (struct stream){ .fd = fd, .seed = 0x9e3779b9u * (i + 1),
					   .mask = mask, .len = len };
		e[i].rx = e[i].tx;
	}
	for (i = 0; i < nr; i++) {
		pthread_create(&e[i].rx_thread, NULL, stream_reader, &e[i].rx);
		pthread_create(&e[i].tx_thread, NULL, stream_writer, &e[i].tx);
	}
	for (i = 0; i < nr; i++) {
		pthread_join(e[i].rx_thread, NULL);
		if (e[i].rx.err)
			pthread_cancel(e[i].tx_thread);
		pthread_join(e[i].tx_thread, NULL);
	}
	for (i = 0; i < nr; i++) {
		const struct stream *s = e[i].tx.err ? &e[i].tx : &e[i].rx;

		const struct timespec *f = &e[i].rx.first;
		long long first = e[i].rx.done ?
			(f->tv_sec * 1000000LL + f->tv_nsec / 1000 - start) / 1000 : -1;

		if (s->err || e[i].rx.done != len) {
			printf("not ok %d echo %s # %zu of %zu bytes back: %s",
			       i + 1, e[i].path, e[i].rx.done, len,
			       strerror(s->err ? s->err : EIO));
			printf(" (first byte back at %lld ms, %lld ms elapsed, paused %lld ms)\n",
			       first, (now_us() - start) / 1000, e[i].rx.paused_ms);
			failed = 1;
		} else {
			printf("ok %d echo %s # %zu bytes each way, mask 0x%02x, %lld ms",
			       i + 1, e[i].path, len, e[i].rx.mask,
			       (now_us() - start) / 1000);
			printf(" (first byte back at %lld ms)\n", first);
		}
	}
	return failed;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static int rtt(int n, const char *path)
{
	long long *t, sum = 0;
	int fd = open_raw(path), i;

	if (fd < 0 || n < 1)
		return 1;
	t = calloc(n, sizeof(*t));
	if (!t)
		return 1;
	for (i = 0; i < n; i++) {
		unsigned char out = 'a' + i % 26, in;
		long long start = now_us();

		if (write(fd, &out, 1) != 1 || idle_poll(fd, POLLIN, IDLE_TIMEOUT_MS, NULL) != 1 ||
		    read(fd, &in, 1) != 1 || in != out) {
			fprintf(stderr, "qemu_echo: %s: round trip %d failed\n", path, i);
			return 1;
		}
		t[i] = now_us() - start;
		sum += t[i];
	}
	qsort(t, n, sizeof(*t), cmp_ll);
	printf("round trips %s n=%d median_us=%lld mean_us=%lld\n", path, n, t[n / 2], sum / n);
	return 0;
}

static int send_break(const char *path)
{
	int fd = open_raw(path);

	if (fd < 0)
		return 1;
	return tcsendbreak(fd, 0) ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 4 && argc - 3 <= MAX_TTYS && !strcmp(argv[1], "stream"))
		return stream_all(strtoul(argv[2], NULL, 0), argc - 3, argv + 3);
	if (argc == 4 && !strcmp(argv[1], "rtt"))
		return rtt(atoi(argv[2]), argv[3]);
	if (argc == 3 && !strcmp(argv[1], "break"))
		return send_break(argv[2]);
	fputs("usage: qemu_echo stream LEN TTY[:7]... | rtt N TTY | break TTY\n", stderr);
	return 2;
}
