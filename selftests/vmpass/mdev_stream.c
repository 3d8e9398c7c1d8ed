// SPDX-License-Identifier: GPL-2.0
/*
 * Checksummed streams across a vmpass mdev card, one binary for both ends
 * (built static, so that the nested guest's busybox initramfs can run it):
 *
 *   mdev_stream guest LEN TTY...   in the nested guest, on the card's ttySn
 *   mdev_stream host LEN TTY...    in the test VM, on the ports' ttyVCOMn
 *   mdev_stream flood TTY          in the nested guest: write until killed
 *   mdev_stream drain TTY MS       read for MS ms; print how many bytes came
 *   mdev_stream peek INDEX         attach vmpass port INDEX through /dev/vmpass
 *                                  and print its IER, LCR, MCR and LSR, or the
 *                                  attach's errno name (EBUSY when a card
 *                                  holds the port)
 *
 * The Nth tty of one end pairs with the Nth tty of the other. Each pair
 * carries LEN bytes each way, from seeds that depend on N and on the
 * direction, so a swapped pair or a reflected stream fails as surely as a
 * lost byte. On each tty the guest end, once its tty is raw and its
 * reader is started (the tty keeps what comes before it reads), sends
 * SYNC_TOKEN and its stream right after it, from one thread; the host
 * end, which opened its tty before the guest booted, drops everything up
 * to the token and only then starts writing. So each tty starts on its
 * own: a slow guest starting its other ttys delays none of the host's
 * readers, whose idle limit (IDLE_TIMEOUT_MS) starts at the token.
 * Prints TAP, one line per tty and direction; the exit status is non-zero
 * if any failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/serial_reg.h>
#include <linux/vmpass.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "stream.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_TTYS	16
#define SYNC_TOKEN	"\n@@vmpass-sync@@\n"
/*
 * The host end waits this long for the guest to boot and send the token,
 * in seconds: MDEV_SYNC_TIMEOUT from the caller, which knows its limit for
 * the boot (mdev_card.sh gives its own plus a margin), or this default.
 */
#define SYNC_TIMEOUT_S	1800

static int open_raw(const char *path)
{
	struct termios t;
	int fd = open(path, O_RDWR | O_NOCTTY);

	if (fd < 0) {
		fprintf(stderr, "mdev_stream: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		t.c_cflag |= CLOCAL | CREAD;
		t.c_cflag &= ~CRTSCTS;
		cfsetspeed(&t, B115200);
		tcsetattr(fd, TCSANOW, &t);
	}
	tcflush(fd, TCIOFLUSH);
	return fd;
}

/* Reads until SYNC_TOKEN has gone by; 0, or -1 on timeout or error. */
static int wait_sync(int fd)
{
	const char *tok = SYNC_TOKEN;
	size_t len = strlen(tok), got = 0;
	const char *env = getenv("MDEV_SYNC_TIMEOUT");
	long long end = stream_now_ms() + 1000LL * (env ? atoi(env) : SYNC_TIMEOUT_S);

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char c;
		long long left = end - stream_now_ms();

		if (left <= 0 || poll(&p, 1, left) <= 0)
			return -1;
		if (read(fd, &c, 1) != 1)
			return -1;
		if (c == tok[got])
			got++;
		else
			got = (c == tok[0]);
	}
	return 0;
}

struct pair {
	int index;
	const char *path;
	int fd;
	struct stream tx, rx;
	pthread_t tx_thread, rx_thread;
	int sync_failed;
	long long start, tx_end, rx_end;
};

/* The seed of port @n's stream from the guest (@to_host) or to it. */
static __u32 seed(int n, int to_host)
{
	return 0x9e3779b9u * (2 * n + to_host + 1);
}

static long long wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * The reader, which also says when it is done: a nested guest's clock can
 * run slow, so make bench times the guest's receiving on the host, by
 * when this line reaches the guest's console.
 */
static void *pair_reader(void *arg)
{
	struct pair *p = arg;

	stream_reader(&p->rx);
	p->rx_end = stream_now_ms();
	printf("# rx_done %d %lld\n", p->index, wall_ms());
	return NULL;
}

/*
 * The host end of one tty: the guest's token, then the writer and this
 * thread's reader at once.
 */
static void *run_pair_host(void *arg)
{
	struct pair *p = arg;

	if (wait_sync(p->fd)) {
		p->sync_failed = 1;
		return NULL;
	}
	printf("# synced %d %lld\n", p->index, wall_ms());
	p->start = stream_now_ms();
	pthread_create(&p->tx_thread, NULL, stream_writer, &p->tx);
	return pair_reader(p);
}

/* The guest end's writer: the token, then the stream. */
static void *guest_writer(void *arg)
{
	struct pair *p = arg;
	ssize_t n = write(p->fd, SYNC_TOKEN, strlen(SYNC_TOKEN));

	if (n != (ssize_t)strlen(SYNC_TOKEN)) {
		p->tx.err = n < 0 ? errno : EIO;
		return NULL;
	}
	return stream_writer(&p->tx);
}

/* Joins @t if it ends within @ms; non-zero if it did not. */
static int join_within(pthread_t t, long long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return pthread_timedjoin_np(t, NULL, &ts);
}

/* One TAP line for one direction of one tty; 1 if it failed. */
static int report(int num, const char *me, const char *dir, int i, const struct pair *p,
		  const struct stream *s, long long ms)
{
	if (s->err || s->done != s->len) {
		printf("not ok %d %s_%s_%d # %s: %zu of %zu bytes: %s (paused %lld ms)\n",
		       num, me, dir, i, p->path, s->done, s->len,
		       strerror(s->err ? s->err : EIO), s->paused_ms);
		return 1;
	}
	printf("ok %d %s_%s_%d # %s: %zu bytes in %lld ms\n", num, me, dir, i, p->path, s->len, ms);
	return 0;
}

static int streams(int host, size_t len, int nr, char **paths)
{
	static struct pair pairs[MAX_TTYS];
	const char *me = host ? "host" : "guest";
	int i, failed = 0;

	for (i = 0; i < nr; i++) {
		struct pair *p = &pairs[i];

		p->index = i;
		p->path = paths[i];
		p->fd = open_raw(paths[i]);
		if (p->fd < 0)
			return 1;
	}
	for (i = 0; i < nr; i++) {
		struct pair *p = &pairs[i];

		p->tx = (struct stream){ .fd = p->fd, .seed = seed(i, !host),
					 .mask = 0xff, .len = len };
		p->rx = (struct stream){ .fd = p->fd, .seed = seed(i, host),
					 .mask = 0xff, .len = len };
		if (host) {
			/* Every tty syncs on its own, in parallel. */
			pthread_create(&p->rx_thread, NULL, run_pair_host, p);
			continue;
		}
		p->start = stream_now_ms();
		pthread_create(&p->rx_thread, NULL, pair_reader, p);
		pthread_create(&p->tx_thread, NULL, guest_writer, p);
	}
	for (i = 0; i < nr; i++) {
		struct pair *p = &pairs[i];

		pthread_join(p->rx_thread, NULL);
		if (p->sync_failed) {
			printf("not ok %d %s_sync_%d # no sync token on %s\n",
			       2 * i + 1, me, i, p->path);
			printf("not ok %d %s_rx_%d # skipped\n", 2 * i + 2, me, i);
			failed = 1;
			continue;
		}
		/*
		 * A failed reader ends the test, and a writer that still
		 * waits long after its reader is done is stuck (its bytes do
		 * not leave): stop it, and say how far it got.
		 */
		if (p->rx.err || join_within(p->tx_thread, 60000 + p->rx_end - p->start)) {
			pthread_cancel(p->tx_thread);
			pthread_join(p->tx_thread, NULL);
			if (!p->rx.err)
				p->tx.err = ETIMEDOUT;
		}
		if (!p->rx.err)
			tcdrain(p->fd);
		p->tx_end = stream_now_ms();
		if (p->tx.done != len && !p->tx.err)
			p->tx.err = ECANCELED;
		failed |= report(2 * i + 1, me, "tx", i, p, &p->tx, p->tx_end - p->start);
		failed |= report(2 * i + 2, me, "rx", i, p, &p->rx, p->rx_end - p->start);
	}
	fflush(stdout);
	/* Let the last bytes leave before close() flushes them. */
	for (i = 0; i < nr; i++)
		tcdrain(pairs[i].fd);
	return failed;
}

static int flood(const char *path)
{
	struct stream s;
	int fd = open_raw(path);

	if (fd < 0)
		return 1;
	s = (struct stream){ .fd = fd, .seed = 1, .mask = 0xff, .len = (size_t)-1 };
	stream_writer(&s);
	return 1;
}

static int drain(const char *path, long ms)
{
	long long end = stream_now_ms() + ms;
	size_t total = 0;
	int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
	char buf[4096];

	if (fd < 0) {
		fprintf(stderr, "mdev_stream: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = end - stream_now_ms();
		ssize_t r;

		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		r = read(fd, buf, sizeof(buf));
		if (r <= 0)
			break;
		total += r;
	}
	printf("%zu\n", total);
	return 0;
}

static int peek(unsigned int index)
{
	struct vmpass_attach a = { .index = index };
	static const struct { const char *name; int reg; } regs[] = {
		{ "ier", UART_IER }, { "lcr", UART_LCR }, { "mcr", UART_MCR }, { "lsr", UART_LSR },
	};
	int ctl, port;
	size_t i;

	ctl = open("/dev/vmpass", O_RDWR);
	if (ctl < 0) {
		fprintf(stderr, "mdev_stream: /dev/vmpass: %s\n", strerror(errno));
		return 1;
	}
	port = ioctl(ctl, VMPASS_ATTACH_PORT, &a);
	if (port < 0) {
		printf("%s\n", errno == EBUSY ? "EBUSY" : strerror(errno));
		return 1;
	}
	/* Time for anything still queued to reach the UART, if it would. */
	usleep(500000);
	for (i = 0; i < ARRAY_SIZE(regs); i++) {
		__u8 v;

		if (pread(port, &v, 1, regs[i].reg) != 1) {
			fprintf(stderr, "mdev_stream: pread: %s\n", strerror(errno));
			return 1;
		}
		printf("%s%s=0x%02x", i ? " " : "", regs[i].name, v);
	}
	printf("\n");
	return 0;
}

static void print_usage(void)
{
	fputs("usage: mdev_stream guest|host LEN TTY... | flood TTY | drain TTY MS | peek N\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "flood"))
		return flood(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "peek"))
		return peek(atoi(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "drain"))
		return drain(argv[2], atol(argv[3]));
	if (argc < 4 || argc - 3 > MAX_TTYS)
		print_usage();
	if (!strcmp(argv[1], "guest"))
		return streams(0, strtoul(argv[2], NULL, 0), argc - 3, argv + 3);
	if (!strcmp(argv[1], "host"))
		return streams(1, strtoul(argv[2], NULL, 0), argc - 3, argv + 3);
	print_usage();
	return 2;
}
