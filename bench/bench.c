// SPDX-License-Identifier: GPL-2.0
/*
 * bench.c - vmpass's benchmarks, run inside the test VM by bench/run.
 *
 * Every figure is measured side by side with its limit or its peer in the
 * same run, RUNS times, and reported as median, min and max, with the
 * ratio of the medians: this machine is noisy, ratios are what carry over.
 *
 *   1  register access: pwrite of one byte to THR (a host reader draining
 *      /dev/ttyVCOM0) against pwrite of one byte to /dev/null
 *   2  string I/O: one 16-byte pwrite to THR against 16 one-byte pwrites
 *   3  guest->host throughput, real guest code under KVM (minivmm,
 *      guests/bench_tx.S: "out dx, al" loops and "rep outsb"), against the
 *      same guest with minivmm's null I/O handler (the bare exit cost)
 *   4  host->guest throughput, interrupt-driven guest receive
 *      (guests/bench_rx.S), against the line rate of a real 16550 at
 *      115200 8N1 (11520 bytes/s: what a legacy guest could get at best)
 *   5  interrupt latency: a host write to /dev/ttyVCOM0 to the first
 *      instruction of the guest's ISR (guests/bench_lat.S writes a marker
 *      port), irqfd against the VMM injecting with KVM_IRQ_LINE
 *   6  the host tty path: bulk transfer through /dev/ttyVCOM0 against a pty
 *      pair, 16-byte chunks written at the far end
 *   7  the peer: QEMU's isa-serial with a pty chardev (-accel kvm), same
 *      guest program, guest->host bytes/s, against vmpass under minivmm
 *
 * Items 3 and 4 are also run with 1, 4, 16 and 64 ports at once.
 * The table goes to stdout; the JSON, between "@@json" lines, is saved as
 * bench/results.json by bench/run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/serial_reg.h>
#include <linux/vmpass.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "vmpass_util.h"

#define RUNS		5
/* A real 16550 at divisor 1: 115200 baud, 10 bits per byte (8N1). */
#define LINE_RATE_115200	11520.0
#define MINIVMM		"build/tools/minivmm"
#define GUESTS		"build/tools/guests/"

struct figure {
	const char *name;
	const char *unit;
	double v[RUNS];
};

struct row {
	const char *item;
	struct figure a, b;	/* a: vmpass; b: the limit or the peer */
	const char *ratio_means;
	bool higher_is_better;	/* for a and b */
	bool skipped;
	char why[160];
};

#define MAX_ROWS	32
static struct row rows[MAX_ROWS];
static int nr_rows;
static int quick;

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v)
{
	double s[RUNS];

	memcpy(s, v, sizeof(s));
	qsort(s, RUNS, sizeof(double), cmp_double);
	return s[RUNS / 2];
}

static double vmin(const double *v)
{
	double m = v[0];

	for (int i = 1; i < RUNS; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

static double vmax(const double *v)
{
	double m = v[0];

	for (int i = 1; i < RUNS; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

static struct row *new_row(const char *item, const char *a, const char *b, const char *unit,
			   bool higher_is_better, const char *ratio_means)
{
	struct row *r = &rows[nr_rows++];

	r->item = item;
	r->a.name = a;
	r->b.name = b;
	r->a.unit = unit;
	r->b.unit = unit;
	r->higher_is_better = higher_is_better;
	r->ratio_means = ratio_means;
	return r;
}

static void skip_row(struct row *r, const char *why)
{
	r->skipped = true;
	snprintf(r->why, sizeof(r->why), "%s", why);
	fprintf(stderr, "bench: %s: skipped: %s\n", r->item, why);
}

/* A thread that reads @fd until told to stop, counting bytes. */
struct drain {
	int fd;
	atomic_bool stop;
	size_t bytes;
	double first_ns, last_ns;
	pthread_t th;
};

static void *drain_thread(void *arg)
{
	struct drain *d = arg;
	char buf[4096];

	while (!d->stop) {
		struct pollfd p = { .fd = d->fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(d->fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		if (!d->bytes)
			d->first_ns = now_ns();
		d->bytes += n;
		d->last_ns = now_ns();
	}
	return NULL;
}

static void drain_start(struct drain *d, int fd)
{
	memset(d, 0, sizeof(*d));
	d->fd = fd;
	pthread_create(&d->th, NULL, drain_thread, d);
}

static void drain_stop(struct drain *d)
{
	d->stop = true;
	pthread_join(d->th, NULL);
}

/* ns per call of @n pwrites of @len bytes at @off on @fd. */
static double pwrite_cost(int fd, size_t len, off_t off, long n)
{
	unsigned char buf[16] = "0123456789abcdef";
	double t0 = now_ns();

	for (long i = 0; i < n; i++)
		if (pwrite(fd, buf, len, off) != (ssize_t)len)
			return -1;
	return (now_ns() - t0) / n;
}

/* 1 and 2: the cost of a register access from userspace. */
static void bench_register_access(int ctl)
{
	struct row *r1 = new_row("1 register access", "pwrite 1 byte to THR",
				 "pwrite 1 byte to /dev/null", "ns/call", false,
				 "vmpass / /dev/null (target <= 1.5)");
	struct row *r0 = new_row("1 register access (SCR)", "pwrite 1 byte to SCR",
				 "pwrite 1 byte to /dev/null", "ns/call", false,
				 "vmpass / /dev/null (the model alone, no tty)");
	struct row *r2 = new_row("2 string I/O", "1 pwrite of 16 bytes to THR",
				 "16 pwrites of 1 byte to THR", "ns/16 bytes", false,
				 "string / single (lower is better)");
	long n = quick ? 20000 : 200000;
	int port = attach_index(ctl, 0);
	int tty = tty_open_raw("/dev/ttyVCOM0");
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	unsigned char v = UART_FCR_ENABLE_FIFO;
	struct drain d;

	if (port < 0 || tty < 0 || null < 0) {
		skip_row(r0, "cannot attach port 0 or open its tty");
		skip_row(r1, "cannot attach port 0 or open its tty");
		skip_row(r2, "cannot attach port 0 or open its tty");
		return;
	}
	pwrite(port, &v, 1, UART_FCR);
	drain_start(&d, tty);
	for (int run = 0; run < RUNS; run++) {
		r0->a.v[run] = pwrite_cost(port, 1, UART_SCR, n);
		r0->b.v[run] = pwrite_cost(null, 1, 0, n);
		r1->a.v[run] = pwrite_cost(port, 1, UART_TX, n);
		r1->b.v[run] = pwrite_cost(null, 1, 0, n);
		r2->a.v[run] = pwrite_cost(port, 16, UART_TX, n / 16);
		r2->b.v[run] = 16 * pwrite_cost(port, 1, UART_TX, n);
	}
	drain_stop(&d);
	close(null);
	close(tty);
	close(port);
}

/*
 * 6: bulk bytes through a tty, written in 16-byte chunks at the far end
 * (the guest side of a vmpass port: a 16-byte THR string write whenever
 * LSR says THRE; the master of a pty pair: a 16-byte write), read in bulk
 * on the tty.
 */
static double tty_path_rate(int writer_fd, bool vmpass_port, int reader_fd, size_t total)
{
	unsigned char buf[16] = "0123456789abcdef";
	struct drain d;
	size_t sent = 0;
	double t0;

	drain_start(&d, reader_fd);
	t0 = now_ns();
	while (sent < total) {
		if (vmpass_port) {
			unsigned char lsr;

			if (pread(writer_fd, &lsr, 1, UART_LSR) != 1)
				break;
			if (!(lsr & UART_LSR_THRE))
				continue;
			if (pwrite(writer_fd, buf, 16, UART_TX) != 16)
				break;
		} else if (write(writer_fd, buf, 16) != 16) {
			break;
		}
		sent += 16;
	}
	while (d.bytes < sent && now_ns() - t0 < 30e9)
		usleep(1000);
	drain_stop(&d);
	return d.bytes / ((d.last_ns - t0) / 1e9);
}

static void bench_tty_path(int ctl)
{
	struct row *r = new_row("6 host tty path", "/dev/ttyVCOM0", "pty pair", "bytes/s", true,
				"vmpass / pty (target >= 0.8)");
	size_t total = quick ? 256 * 1024 : 2 * 1024 * 1024;
	int port = attach_index(ctl, 1);
	int tty = tty_open_raw("/dev/ttyVCOM1");
	unsigned char v = UART_FCR_ENABLE_FIFO;
	int master, slave;

	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (port < 0 || tty < 0 || master < 0 || grantpt(master) || unlockpt(master)) {
		skip_row(r, "cannot attach port 1 or open a pty");
		return;
	}
	slave = tty_open_raw(ptsname(master));
	pwrite(port, &v, 1, UART_FCR);
	for (int run = 0; run < RUNS; run++) {
		r->a.v[run] = tty_path_rate(port, true, tty, total);
		r->b.v[run] = tty_path_rate(master, false, slave, total);
	}
	close(slave);
	close(master);
	close(tty);
	close(port);
}

/* Run minivmm; its stdout (markers) comes back through @out if not NULL. */
static pid_t minivmm_start(char *const argv[], int *out)
{
	int p[2];
	pid_t pid;

	if (out && pipe(p))
		return -1;
	pid = fork();
	if (!pid) {
		if (out) {
			dup2(p[1], 1);
			close(p[0]);
		}
		execv(MINIVMM, argv);
		_exit(127);
	}
	if (out) {
		close(p[1]);
		*out = p[0];
	}
	return pid;
}

static int minivmm_wait(pid_t pid, int timeout_s)
{
	double t0 = now_ns();
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (now_ns() - t0 > timeout_s * 1e9) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		usleep(2000);
	}
}

static char iobase_arg[64][16];

/* argv for minivmm on ports 0 .. @n-1 (I/O bases from vmpass). */
static int minivmm_argv(int ctl, char **argv, unsigned int n, const char *guest,
			const char *const *extra)
{
	int argc = 0;

	argv[argc++] = MINIVMM;
	for (unsigned int i = 0; i < n; i++) {
		struct vmpass_port_desc d = { .index = i };

		if (ioctl(ctl, VMPASS_DESCRIBE_PORT, &d))
			return -1;
		snprintf(iobase_arg[i], sizeof(iobase_arg[i]), "%#x", d.iobase);
		argv[argc++] = "--port";
		argv[argc++] = iobase_arg[i];
	}
	while (extra && *extra)
		argv[argc++] = (char *)*extra++;
	argv[argc++] = (char *)guest;
	argv[argc] = NULL;
	return argc;
}

/* 3: guest->host bytes/s on @n ports, @mode "out" or "outsb", null I/O or not. */
static double guest_tx_rate(int ctl, unsigned int n, const char *mode, bool null_io,
			    size_t per_port)
{
	char count[32], *argv[2 * 64 + 16];
	const char *const extra[] = {
		"--arg", count, "--mode", mode, null_io ? "--null-io" : NULL, NULL
	};
	struct drain d[64];
	int tty[64], status;
	size_t bytes = 0;
	double t0, t;
	pid_t pid;

	snprintf(count, sizeof(count), "%zu", per_port);
	if (minivmm_argv(ctl, argv, n, GUESTS "bench_tx.bin", extra) < 0)
		return -1;
	for (unsigned int i = 0; i < n; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/dev/ttyVCOM%u", i);
		tty[i] = tty_open_raw(path);
		drain_start(&d[i], tty[i]);
	}
	t0 = now_ns();
	pid = minivmm_start(argv, NULL);
	status = minivmm_wait(pid, 300);
	t = now_ns();
	/* Without null I/O, the rate is what reached the host ends. */
	for (unsigned int i = 0; i < n; i++) {
		if (!null_io) {
			while (d[i].bytes < per_port && now_ns() - t < 10e9)
				usleep(1000);
			if (d[i].last_ns > t)
				t = d[i].last_ns;
		}
		drain_stop(&d[i]);
		bytes += null_io ? per_port : d[i].bytes;
		close(tty[i]);
	}
	if (status != 0)
		return -1;
	return bytes / ((t - t0) / 1e9);
}

static void bench_guest_tx(int ctl, unsigned int max_ports)
{
	static const unsigned int scale[] = { 1, 4, 16, 64 };
	static const char *const modes[] = { "out", "outsb" };
	size_t per_port = quick ? 16 * 1024 : 64 * 1024;

	for (unsigned int m = 0; m < 2; m++) {
		for (unsigned int s = 0; s < 4 && scale[s] <= max_ports; s++) {
			static char names[8][64];
			char *name = names[m * 4 + s];
			struct row *r;

			snprintf(name, 64, "3 guest->host, %s, %u port%s", modes[m], scale[s],
				 scale[s] > 1 ? "s" : "");
			r = new_row(name, "vmpass", "null I/O handler", "bytes/s", true,
				    "vmpass / bare exit (target >= 0.9)");
			for (int run = 0; run < RUNS; run++) {
				r->a.v[run] = guest_tx_rate(ctl, scale[s], modes[m], false,
							    per_port / scale[s]);
				r->b.v[run] = guest_tx_rate(ctl, scale[s], modes[m], true,
							    per_port / scale[s]);
				if (r->a.v[run] < 0 || r->b.v[run] < 0) {
					skip_row(r, "minivmm failed (see above)");
					break;
				}
			}
		}
	}
}

/* 4: host->guest bytes/s, interrupt-driven receive, on @n ports. */
static double guest_rx_rate(int ctl, unsigned int n, size_t per_port)
{
	char count[32], *argv[2 * 64 + 16];
	const char *const extra[] = { "--arg", count, NULL };
	static unsigned char buf[64 * 1024];
	int tty[64], status;
	double t0;
	pid_t pid;

	snprintf(count, sizeof(count), "%zu", per_port);
	if (minivmm_argv(ctl, argv, n, GUESTS "bench_rx.bin", extra) < 0)
		return -1;
	for (unsigned int i = 0; i < n; i++) {
		char path[32];
		int m;

		snprintf(path, sizeof(path), "/dev/ttyVCOM%u", i);
		tty[i] = tty_open_raw(path);
		fcntl(tty[i], F_SETFL, O_NONBLOCK);
		(void)m;
	}
	pid = minivmm_start(argv, NULL);
	/* The guest raises DTR (our DCD) when it is ready to receive. */
	for (unsigned int i = 0; i < n; i++) {
		int m = 0;

		for (int tries = 0; tries < 3000 && !(m & TIOCM_CD); tries++) {
			ioctl(tty[i], TIOCMGET, &m);
			usleep(1000);
		}
	}
	memset(buf, 0x5a, sizeof(buf));
	t0 = now_ns();
	for (size_t sent[64] = { 0 }, left = n * per_port; left; ) {
		for (unsigned int i = 0; i < n; i++) {
			size_t want = per_port - sent[i];
			ssize_t w;

			if (!want)
				continue;
			w = write(tty[i], buf, want < sizeof(buf) ? want : sizeof(buf));
			if (w > 0) {
				sent[i] += w;
				left -= w;
			}
		}
		if (now_ns() - t0 > 300e9)
			break;
	}
	status = minivmm_wait(pid, 300);
	for (unsigned int i = 0; i < n; i++)
		close(tty[i]);
	if (status != 0)
		return -1;
	return n * per_port / ((now_ns() - t0) / 1e9);
}

static void bench_guest_rx(int ctl, unsigned int max_ports)
{
	static const unsigned int scale[] = { 1, 4, 16, 64 };
	size_t total = quick ? 16 * 1024 : 64 * 1024;

	for (unsigned int s = 0; s < 4 && scale[s] <= max_ports; s++) {
		static char names[4][64];
		struct row *r;

		snprintf(names[s], 64, "4 host->guest, %u port%s", scale[s],
			 scale[s] > 1 ? "s" : "");
		r = new_row(names[s], "vmpass, irq-driven guest", "a 16550 at 115200 8N1",
			    "bytes/s", true, "vmpass / a real port's line rate");
		for (int run = 0; run < RUNS; run++) {
			r->a.v[run] = guest_rx_rate(ctl, scale[s], total / scale[s]);
			r->b.v[run] = LINE_RATE_115200;
			if (r->a.v[run] < 0) {
				skip_row(r, "minivmm failed (see above)");
				break;
			}
		}
	}
}

/*
 * 5: ns from a write() of one byte to /dev/ttyVCOM0 to the guest ISR's
 * marker write (minivmm stamps the exit), median of @samples.
 */
static double irq_latency(int ctl, bool irq_line, int samples)
{
	const char *const extra[] = { "--markers", irq_line ? "--irq-line" : NULL, NULL };
	char *argv[16], line[128];
	double lat[256];
	int out = -1, tty, got = 0;
	FILE *f;
	pid_t pid;

	if (minivmm_argv(ctl, argv, 1, GUESTS "bench_lat.bin", extra) < 0)
		return -1;
	tty = tty_open_raw("/dev/ttyVCOM0");
	pid = minivmm_start(argv, &out);
	f = fdopen(out, "r");
	/* The guest says it is ready with a first marker. */
	if (!f || !fgets(line, sizeof(line), f))
		goto out;
	for (int i = 0; i < samples && i < 256; i++) {
		double t0, t1;

		usleep(2000);
		t0 = now_ns();
		if (write(tty, "x", 1) != 1 || !fgets(line, sizeof(line), f))
			break;
		if (sscanf(line, "marker %lf", &t1) != 1)
			break;
		lat[got++] = t1 - t0;
	}
out:
	kill(pid, SIGTERM);
	minivmm_wait(pid, 10);
	if (f)
		fclose(f);
	close(tty);
	if (got < samples)
		return -1;
	qsort(lat, got, sizeof(double), cmp_double);
	return lat[got / 2];
}

static void bench_irq_latency(int ctl)
{
	struct row *r = new_row("5 interrupt latency", "irqfd", "KVM_IRQ_LINE from the VMM",
				"ns", false, "irqfd / userspace injection (target < 1)");
	int samples = quick ? 20 : 100;

	for (int run = 0; run < RUNS; run++) {
		r->a.v[run] = irq_latency(ctl, false, samples);
		r->b.v[run] = irq_latency(ctl, true, samples);
		if (r->a.v[run] < 0 || r->b.v[run] < 0) {
			skip_row(r, "minivmm failed (see above)");
			break;
		}
	}
}

/*
 * 7: QEMU's isa-serial at 0x3f8 with a pty chardev, -accel kvm, running
 * bench_tx.bin as a boot sector image (built with the count in it), bytes
 * per second from the first to the last byte at the pty; against vmpass
 * under minivmm measured the same way (first to last byte at the tty).
 */
static double qemu_isa_serial_rate(size_t total)
{
	char line[256], pts[64] = "";
	struct drain d;
	int tty = -1, status = 0;
	FILE *q;
	pid_t pid;
	int p[2];

	if (pipe(p))
		return -1;
	pid = fork();
	if (!pid) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execlp("qemu-system-x86_64", "qemu-system-x86_64", "-accel", "kvm", "-M", "pc",
		       "-m", "16", "-display", "none", "-monitor", "none", "-nodefaults",
		       "-no-reboot", "-chardev", "pty,id=p0", "-device",
		       "isa-serial,chardev=p0,iobase=0x3f8,irq=4", "-device",
		       "isa-debug-exit,iobase=0xf4,iosize=1", "-drive",
		       "if=floppy,format=raw,file=" GUESTS "bench_tx_boot.img", NULL);
		_exit(127);
	}
	close(p[1]);
	q = fdopen(p[0], "r");
	while (fgets(line, sizeof(line), q))
		if (sscanf(line, "char device redirected to %63s", pts) == 1)
			break;
	if (*pts)
		tty = tty_open_raw(pts);
	if (tty < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fclose(q);
		return -1;
	}
	drain_start(&d, tty);
	while (d.bytes < total && waitpid(pid, &status, WNOHANG) == 0)
		usleep(1000);
	usleep(200000);
	drain_stop(&d);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	fclose(q);
	close(tty);
	if (d.bytes < total / 2 || d.last_ns <= d.first_ns)
		return -1;
	return d.bytes / ((d.last_ns - d.first_ns) / 1e9);
}

static double vmpass_first_to_last_rate(int ctl, size_t total)
{
	char count[32], *argv[16];
	const char *const extra[] = { "--arg", count, "--mode", "out", NULL };
	struct drain d;
	int tty = tty_open_raw("/dev/ttyVCOM0");
	pid_t pid;

	snprintf(count, sizeof(count), "%zu", total);
	if (minivmm_argv(ctl, argv, 1, GUESTS "bench_tx.bin", extra) < 0)
		return -1;
	drain_start(&d, tty);
	pid = minivmm_start(argv, NULL);
	if (minivmm_wait(pid, 300))
		return -1;
	while (d.bytes < total && now_ns() - d.last_ns < 2e9)
		usleep(1000);
	drain_stop(&d);
	close(tty);
	return d.bytes / ((d.last_ns - d.first_ns) / 1e9);
}

static void bench_qemu_peer(int ctl)
{
	struct row *r = new_row("7 the peer, guest->host", "vmpass + minivmm",
				"QEMU isa-serial + pty (-accel kvm)", "bytes/s", true,
				"vmpass / QEMU (target >= 1)");
	size_t total = 64 * 1024;	/* fixed: built into the boot image */

	if (access(GUESTS "bench_tx_boot.img", R_OK)) {
		skip_row(r, "no boot image");
		return;
	}
	for (int run = 0; run < RUNS; run++) {
		r->a.v[run] = vmpass_first_to_last_rate(ctl, total);
		r->b.v[run] = qemu_isa_serial_rate(total);
		if (r->a.v[run] < 0 || r->b.v[run] < 0) {
			skip_row(r, "a run failed (see above)");
			break;
		}
	}
}

static void print_table(void)
{
	printf("\n%-34s %-30s %14s %14s %14s   %-30s %14s   %7s  %s\n", "item", "vmpass",
	       "median", "min", "max", "against", "median", "ratio", "unit");
	for (int i = 0; i < nr_rows; i++) {
		struct row *r = &rows[i];
		double a, b;

		if (r->skipped) {
			printf("%-34s skipped: %s\n", r->item, r->why);
			continue;
		}
		a = median(r->a.v);
		b = median(r->b.v);
		printf("%-34s %-30s %14.0f %14.0f %14.0f   %-30s %14.0f   %7.2f  %s\n", r->item,
		       r->a.name, a, vmin(r->a.v), vmax(r->a.v), r->b.name, b, b ? a / b : 0,
		       r->a.unit);
	}
}

static void print_json_figure(FILE *json, const char *key, const struct figure *f)
{
	fprintf(json, "\"%s\": {\"what\": \"%s\", ", key, f->name);
	fprintf(json, "\"median\": %.1f, \"min\": %.1f, \"max\": %.1f}, ",
		median(f->v), vmin(f->v), vmax(f->v));
}

static void print_json(FILE *json)
{
	fprintf(json, "{\"runs\": %d, \"rows\": [", RUNS);
	for (int i = 0; i < nr_rows; i++) {
		struct row *r = &rows[i];

		fprintf(json, "%s\n  {\"item\": \"%s\", \"unit\": \"%s\", ", i ? "," : "",
			r->item, r->a.unit);
		if (r->skipped) {
			fprintf(json, "\"skipped\": \"%s\"}", r->why);
			continue;
		}
		print_json_figure(json, "vmpass", &r->a);
		print_json_figure(json, "against", &r->b);
		fprintf(json, "\"ratio\": %.3f, \"ratio_means\": \"%s\"}",
			median(r->b.v) ? median(r->a.v) / median(r->b.v) : 0, r->ratio_means);
	}
	fprintf(json, "\n]}\n");
}

int main(void)
{
	const char *only = getenv("BENCH_ONLY");
	struct vmpass_info info = { 0 };
	int ctl;

	quick = !!getenv("BENCH_QUICK");
	if (only && !*only)
		only = NULL;
	signal(SIGPIPE, SIG_IGN);
	ctl = ctl_open();
	if (ctl < 0 || ioctl(ctl, VMPASS_GET_INFO, &info)) {
		perror("bench: /dev/vmpass");
		return 1;
	}
	if (!only || strchr(only, '1') || strchr(only, '2'))
		bench_register_access(ctl);
	if (!only || strchr(only, '6'))
		bench_tty_path(ctl);
	if (!only || strchr(only, '5'))
		bench_irq_latency(ctl);
	if (!only || strchr(only, '3'))
		bench_guest_tx(ctl, info.nr_ports);
	if (!only || strchr(only, '4'))
		bench_guest_rx(ctl, info.nr_ports);
	if (!only || strchr(only, '7'))
		bench_qemu_peer(ctl);
	print_table();
	printf("@@json\n");
	print_json(stdout);
	printf("@@json\n");
	return 0;
}
