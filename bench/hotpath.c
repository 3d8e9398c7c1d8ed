// SPDX-License-Identifier: GPL-2.0
/*
 * hotpath.c - one of the port's hot paths in a loop, for a profiler
 * (bench/profile runs it under perf and ftrace in the test VM).
 *
 *   hotpath MODE N
 *     null    N pwrites of 1 byte to /dev/null
 *     scr     N pwrites of 1 byte to SCR
 *     thr     N pwrites of 1 byte to THR (a thread drains /dev/ttyVCOM0)
 *     thr16   N pwrites of 16 bytes to THR (likewise)
 *     rbr16   N preads of 16 bytes from RBR while a thread writes
 *             /dev/ttyVCOM0 in 4 KiB blocks (the host tty write path)
 *     tty     bench item 6: N times LSR, then 16 bytes to THR when THRE
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/serial_reg.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmpass_util.h"

static atomic_bool stop;

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static void *drain(void *arg)
{
	int fd = *(int *)arg;
	char buf[4096];

	while (!stop) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 100) > 0 && read(fd, buf, sizeof(buf)) <= 0)
			break;
	}
	return NULL;
}

static void *feed(void *arg)
{
	int fd = *(int *)arg;
	static char buf[4096];

	memset(buf, 'x', sizeof(buf));
	while (!stop) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };

		if (poll(&p, 1, 100) > 0 && write(fd, buf, sizeof(buf)) < 0)
			break;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned char buf[16] = "0123456789abcdef", v = UART_FCR_ENABLE_FIFO;
	const char *mode = argc > 1 ? argv[1] : "thr";
	long n = argc > 2 ? atol(argv[2]) : 100000;
	int ctl = ctl_open(), port, tty;
	pthread_t th;
	double t0;

	port = attach_index(ctl, 0);
	tty = tty_open_raw("/dev/ttyVCOM0");
	if (port < 0 || tty < 0) {
		perror("hotpath: port 0");
		return 1;
	}
	pwrite(port, &v, 1, UART_FCR);
	if (!strcmp(mode, "rbr16")) {
		fcntl(tty, F_SETFL, O_NONBLOCK);
		pthread_create(&th, NULL, feed, &tty);
	} else {
		pthread_create(&th, NULL, drain, &tty);
	}
	t0 = now_ns();
	if (!strcmp(mode, "null")) {
		int null = open("/dev/null", O_WRONLY);

		for (long i = 0; i < n; i++)
			pwrite(null, buf, 1, 0);
	} else if (!strcmp(mode, "scr") || !strcmp(mode, "thr") || !strcmp(mode, "thr16")) {
		off_t reg = !strcmp(mode, "scr") ? UART_SCR : UART_TX;
		size_t len = !strcmp(mode, "thr16") ? 16 : 1;

		for (long i = 0; i < n; i++)
			pwrite(port, buf, len, reg);
	} else if (!strcmp(mode, "rbr16")) {
		for (long i = 0; i < n; i++)
			pread(port, buf, 16, UART_RX);
	} else if (!strcmp(mode, "tty")) {
		for (long i = 0; i < n; i++) {
			unsigned char lsr;

			pread(port, &lsr, 1, UART_LSR);
			if (lsr & UART_LSR_THRE)
				pwrite(port, buf, 16, UART_TX);
		}
	} else {
		fprintf(stderr, "hotpath: unknown mode %s\n", mode);
		return 2;
	}
	printf("%s: %.0f ns per access\n", mode, (now_ns() - t0) / n);
	stop = true;
	pthread_join(th, NULL);
	return 0;
}
