// SPDX-License-Identifier: GPL-2.0
/*
 * The stress test: for STRESS_SECONDS (default 60), threads hammer every
 * interface of vmpass at once, while lossless streams run alongside:
 *
 *   streams   ports 0 and 1: a userspace "guest" on the port fd and a host
 *             end on /dev/ttyVCOMn move numbered, checksummed records both
 *             ways; every record must arrive, in order, intact; the host
 *             reader takes turns being prompt, slow (small reads, now and
 *             then) and stopping (it stops reading for a while, long
 *             enough for the guest to fill every buffer and wait);
 *   registers random offsets, values and string lengths on ports 2..7,
 *             with irqfds set now and then (attach, access, detach);
 *   tty       opens, closes, writes, termios, TIOCMSET and break on the
 *             ttys of ports 2..7;
 *   remap     TIOCSSERIAL to random identities on ports 2..7 (refused
 *             while attached or clashing, as documented);
 *   pci       new_slot/remove_slot cycles on the NIC at 00:05.0, if any;
 *   unbind    new_slot, sysfs unbind and bind, new_slot again and
 *             remove_slot on the NIC at 00:04.0, if any;
 *   list      two readers of VMPASS_LIST_PCI, GET_INFO and slots, racing
 *             the two above;
 *   vfio      a VMM opening the NIC at 00:05.0 through VFIO, racing the
 *             new_slot/remove_slot cycles (never pulled while it holds it);
 *   module    rmmod attempts while all that runs (refused: busy), and every
 *             few seconds a real rmmod/insmod cycle: the workers finish their
 *             current round, the module goes and comes back, they go on.
 *
 * Any errno outside what the design documents, a lost or damaged record,
 * or a splat in the kernel log (scripts/vm-run) fails the test. The
 * counters are printed at the end.
 */
#include <linux/serial.h>
#include <linux/serial_reg.h>
#include <linux/vfio.h>
#include <linux/vmpass.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <limits.h>
#include <time.h>

#include "kselftest_harness.h"
#include "vmpass_util.h"

#define STRESS_PARAMS	"nr_ports=8 io=0x3f8,0x2f8,0x3e8,0x2e8,0x3e0,0x2e0,0x3a0,0x2a0 " \
			"irq=4,3,5,7,10,11,12,15"
#define NR_PORTS	8
#define NR_STREAMS	2
#define STREAM_BYTES	(8 * 1024)
#define STOP_BYTES	(32 * 1024)	/* more than the buffers hold */
#define STOP_MS		200	/* after the guest had to wait */
#define STOP_MAX_MS	10000
#define RECORD_SIZE	16
#define UART_FIFO_BYTES	16
#define UART_NR_REGS	(UART_SCR + 1)
#define STRESS_NIC	"0000:00:05.0"
#define STRESS_NIC_UNBIND "0000:00:04.0"
#define PCI_DRV		"/sys/bus/pci/drivers/vmpass/"

static struct {
	pthread_rwlock_t quiesce;	/* workers read-hold it for one round */
	atomic_bool stop;
	atomic_ulong reg_ops, tty_ops, remaps, remaps_refused, attaches, attach_busy;
	atomic_ulong pci_cycles, pci_busy, pci_unbinds, pci_lists, vfio_opens;
	atomic_ulong rmmod_refused, module_cycles, hangups, termios_overtaken;
	atomic_ulong records, bytes_verified, stream_rounds, slow_rounds, stopped_rounds;
	atomic_ulong unexpected;	/* failures: each also printed */
} st;

/* What each worker is doing, for the report if one of them hangs. */
#define MAX_WORKERS	12
static struct {
	pid_t tid;
	const char *name;
	const char *stage;		/* __atomic_*: read by the watchdog */
} workers[MAX_WORKERS];
static atomic_int nr_workers;
static __thread int me;

static void worker_register(const char *name)
{
	me = atomic_fetch_add(&nr_workers, 1);
	workers[me].tid = gettid();
	workers[me].name = name;
	workers[me].stage = "start";
}

#define STAGE(s)	__atomic_store_n(&workers[me].stage, (s), __ATOMIC_RELAXED)

static void report_unexpected(const char *what, int err)
{
	atomic_fetch_add(&st.unexpected, 1);
	fprintf(stderr, "# stress: unexpected: %s: %s\n", what, strerror(err));
}

static unsigned int rnd(unsigned int *seed, unsigned int n)
{
	*seed = *seed * 1103515245 + 12345;
	return (*seed >> 8) % n;
}

/* Is the module (or its devices) gone for a module cycle? Not a failure. */
static bool module_gone(int err)
{
	return err == ENOENT || err == ENODEV || err == ENXIO;
}

/* The records of one direction of a stream. */
struct record_stream {
	unsigned int port, dir, seq;
	size_t done;			/* bytes produced or checked */
	__u8 rec[RECORD_SIZE];
	unsigned int fill;		/* bytes of @rec received so far */
};

static __u32 fnv1a(const __u8 *p, size_t n)
{
	__u32 h = 2166136261u;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

/* Record N of a stream: "VM" port dir, seq, 6 payload bytes, checksum. */
static void record_make(const struct record_stream *s, unsigned int seq, __u8 *rec)
{
	__u32 sum;
	unsigned int i;

	rec[0] = 'V';
	rec[1] = 'M';
	rec[2] = s->port;
	rec[3] = s->dir;
	memcpy(rec + 4, &seq, 4);
	for (i = 0; i < 4; i++)
		rec[8 + i] = (seq * 31 + i * 7 + s->port) & 0xff;
	sum = fnv1a(rec, 12);
	memcpy(rec + 12, &sum, 4);
}

/* The next byte to send. */
static __u8 stream_next(struct record_stream *s)
{
	if (s->done % RECORD_SIZE == 0)
		record_make(s, s->seq++, s->rec);
	return s->rec[s->done++ % RECORD_SIZE];
}

/* Check one received byte; false on a lost, reordered or damaged record. */
static bool stream_check(struct record_stream *s, __u8 b)
{
	__u8 want[RECORD_SIZE];

	s->rec[s->fill++] = b;
	s->done++;
	if (s->fill < RECORD_SIZE)
		return true;
	s->fill = 0;
	record_make(s, s->seq, want);
	if (memcmp(want, s->rec, RECORD_SIZE))
		return false;
	s->seq++;
	atomic_fetch_add(&st.records, 1);
	return true;
}

static int reg_rd(int fd, unsigned int reg)
{
	__u8 v;

	return pread(fd, &v, 1, reg) == 1 ? v : -1;
}

static int reg_wr(int fd, unsigned int reg, __u8 v)
{
	return pwrite(fd, &v, 1, reg) == 1 ? 0 : -1;
}

/* How the host end reads in a stream round. */
enum host_reader { READER_PROMPT, READER_SLOW, READER_STOPPING, NR_READERS };

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * One round of a stream: attach the port, open its tty, move
 * STREAM_BYTES each way at once (STOP_BYTES with a stopping reader),
 * verify, close. Returns false on loss.
 */
static bool stream_round(int ctl, unsigned int port, enum host_reader reader)
{
	struct record_stream g_tx = { .port = port, .dir = 0 }, h_rx = { .port = port, .dir = 0 };
	struct record_stream h_tx = { .port = port, .dir = 1 }, g_rx = { .port = port, .dir = 1 };
	struct vmpass_attach at = { .index = port };
	__u8 buf[UART_FIFO_BYTES], hb[512];
	time_t deadline = time(NULL) + 60;
	size_t len = reader == READER_STOPPING ? STOP_BYTES : STREAM_BYTES;
	struct timespec stopped_at = { 0 };
	unsigned int loops = 0;
	bool stopped = false, guest_waited = false;
	char tty[32];
	int fd, tfd, i, n, lsr;
	bool ok = true;

	STAGE("stream attach");
	fd = ioctl(ctl, VMPASS_ATTACH_PORT, &at);
	if (fd < 0) {
		if (!module_gone(errno))
			report_unexpected("stream attach", errno);
		return true;
	}
	snprintf(tty, sizeof(tty), "/dev/ttyVCOM%u", port);
	STAGE("stream tty open");
	tfd = tty_open_raw(tty);
	if (tfd < 0) {
		report_unexpected("stream tty open", errno);
		close(fd);
		return true;
	}
	fcntl(tfd, F_SETFL, O_NONBLOCK);
	reg_wr(fd, UART_LCR, UART_LCR_WLEN8);
	reg_wr(fd, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT);
	reg_wr(fd, UART_MCR, UART_MCR_DTR | UART_MCR_RTS);

	STAGE("stream transfer");
	while (ok && (g_tx.done < len || h_rx.done < len ||
		      h_tx.done < len || g_rx.done < len)) {
		if (time(NULL) > deadline) {
			fprintf(stderr, "# stress: port %u stalled: %zu/%zu/%zu/%zu\n", port,
				g_tx.done, h_rx.done, h_tx.done, g_rx.done);
			ok = false;
			break;
		}
		lsr = reg_rd(fd, UART_LSR);
		if (lsr < 0) {
			report_unexpected("stream LSR read", errno);
			break;
		}
		/* The guest: a FIFO-full burst when THRE, bytes while DR. */
		if ((lsr & UART_LSR_THRE) && g_tx.done < len) {
			for (n = 0; n < UART_FIFO_BYTES && g_tx.done < len; n++)
				buf[n] = stream_next(&g_tx);
			if (pwrite(fd, buf, n, UART_TX) != n)
				report_unexpected("stream THR write", errno);
		}
		for (i = 0; i < 64 && (lsr & UART_LSR_DR); i++) {
			n = reg_rd(fd, UART_RX);
			ok &= stream_check(&g_rx, n);
			lsr = reg_rd(fd, UART_LSR);
			if (lsr & (UART_LSR_OE | UART_LSR_BI | UART_LSR_FE | UART_LSR_PE)) {
				fprintf(stderr, "# stress: port %u LSR error %#x\n", port, lsr);
				ok = false;
			}
		}
		/* The host: a prompt, a slow or a stopping reader. */
		loops++;
		if (reader == READER_STOPPING && !stopped && !stopped_at.tv_sec &&
		    g_tx.done >= len / 8) {
			clock_gettime(CLOCK_MONOTONIC, &stopped_at);
			stopped = true;
			STAGE("stream transfer, host reader stopped");
		}
		if (stopped && (guest_waited ? ms_since(&stopped_at) >= STOP_MS :
				ms_since(&stopped_at) >= STOP_MAX_MS)) {
			stopped = false;
			STAGE("stream transfer");
		}
		n = 0;
		if (stopped && !guest_waited && !(lsr & UART_LSR_THRE)) {
			guest_waited = true;
			clock_gettime(CLOCK_MONOTONIC, &stopped_at);
		}
		if (stopped)
			usleep(100);
		else if (reader != READER_SLOW)
			n = read(tfd, hb, sizeof(hb));
		else if (loops % 8 == 0)
			n = read(tfd, hb, 32);
		for (i = 0; i < n; i++)
			ok &= stream_check(&h_rx, hb[i]);
		if (h_tx.done < len) {
			size_t want = len - h_tx.done;
			struct record_stream save = h_tx;

			if (want > sizeof(hb))
				want = sizeof(hb);
			for (i = 0; i < (int)want; i++)
				hb[i] = stream_next(&h_tx);
			n = write(tfd, hb, want);
			/* Take back what the tty did not accept. */
			if (n < (int)want) {
				h_tx = save;
				for (i = 0; i < (n > 0 ? n : 0); i++)
					stream_next(&h_tx);
			}
		}
	}
	if (!ok)
		fprintf(stderr, "# stress: port %u lost or damaged a record (seq %u/%u)\n",
			port, h_rx.seq, g_rx.seq);
	else
		atomic_fetch_add(&st.bytes_verified, h_rx.done + g_rx.done);
	if (ok && reader == READER_SLOW)
		atomic_fetch_add(&st.slow_rounds, 1);
	if (ok && reader == READER_STOPPING && guest_waited)
		atomic_fetch_add(&st.stopped_rounds, 1);
	STAGE("stream tty close");
	close(tfd);
	STAGE("stream detach");
	close(fd);
	STAGE("stream done");
	atomic_fetch_add(&st.stream_rounds, 1);
	return ok;
}

static int open_ctl_or_wait(void)
{
	int ctl = ctl_open();

	if (ctl < 0) {
		if (!module_gone(errno))
			report_unexpected("open /dev/vmpass", errno);
		usleep(10000);
	}
	return ctl;
}

static void *stream_worker(void *arg)
{
	unsigned int port = (unsigned long)arg;
	unsigned int round = 0;
	bool ok = true;
	int ctl;

	worker_register("stream");
	while (!st.stop && ok) {
		STAGE("waiting for a module cycle");
		pthread_rwlock_rdlock(&st.quiesce);
		ctl = open_ctl_or_wait();
		if (ctl >= 0) {
			ok = stream_round(ctl, port, round++ % NR_READERS);
			close(ctl);
		}
		pthread_rwlock_unlock(&st.quiesce);
	}
	if (!ok)
		atomic_fetch_add(&st.unexpected, 1);
	return NULL;
}

static void register_round(int ctl, unsigned int *seed)
{
	struct vmpass_attach at = { .index = NR_STREAMS + rnd(seed, NR_PORTS - NR_STREAMS) };
	struct vmpass_irqfd irq = { .fd = -1, .resample_fd = -1 };
	__u8 buf[64];
	int fd, i, n, efd = -1;

	STAGE("register attach");
	fd = ioctl(ctl, VMPASS_ATTACH_PORT, &at);
	if (fd < 0) {
		/* The other register worker has it: one attacher per port. */
		if (errno == EBUSY)
			atomic_fetch_add(&st.attach_busy, 1);
		else if (!module_gone(errno))
			report_unexpected("register attach", errno);
		return;
	}
	atomic_fetch_add(&st.attaches, 1);
	if (rnd(seed, 4) == 0) {
		efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		irq.fd = efd;
		if (ioctl(fd, VMPASS_PORT_SET_IRQFD, &irq))
			report_unexpected("SET_IRQFD", errno);
	}
	STAGE("register accesses");
	for (i = 0; i < 200; i++) {
		unsigned int reg = rnd(seed, UART_NR_REGS);

		n = 1 + (rnd(seed, 4) ? 0 : rnd(seed, sizeof(buf)));
		for (int j = 0; j < n; j++)
			buf[j] = rnd(seed, 256);
		/* Keep the loopback bit and the FIFO clears coming and going. */
		if (rnd(seed, 2) ? pwrite(fd, buf, n, reg) != n : pread(fd, buf, n, reg) != n)
			report_unexpected("register access", errno);
	}
	atomic_fetch_add(&st.reg_ops, 200);
	STAGE("register detach");
	close(fd);
	if (efd >= 0)
		close(efd);
}

static void *register_worker(void *arg)
{
	unsigned int seed = (unsigned long)arg;
	int ctl;

	worker_register("registers");
	while (!st.stop) {
		STAGE("waiting for a module cycle");
		pthread_rwlock_rdlock(&st.quiesce);
		ctl = open_ctl_or_wait();
		if (ctl >= 0) {
			register_round(ctl, &seed);
			close(ctl);
		}
		pthread_rwlock_unlock(&st.quiesce);
	}
	return NULL;
}

/*
 * The guest dropping DTR hangs up a host end without CLOCAL (documented);
 * an ioctl that races with that hangup can fail. Such a failure is
 * expected only if the fd is hung up now (every ioctl then gives EIO).
 */
static void tty_error(int fd, const char *what, int err)
{
	int m;

	if (ioctl(fd, TIOCMGET, &m) && errno == EIO)
		atomic_fetch_add(&st.hangups, 1);
	else
		report_unexpected(what, err);
}

/*
 * The host end's termios shows the line settings the guest programs, so
 * a guest reprogramming LCR between glibc's TCSETS and the TCGETS it
 * checks with makes tcsetattr() report EINVAL (documented). Expected only
 * if the data bits or parity read back differ from what was set.
 */
static void termios_error(int fd, const struct termios *set, int err)
{
	struct termios now;

	if (err == EINVAL && !tcgetattr(fd, &now) &&
	    ((now.c_cflag ^ set->c_cflag) & (CSIZE | PARENB)))
		atomic_fetch_add(&st.termios_overtaken, 1);
	else
		tty_error(fd, "tcsetattr", err);
}

static void tty_round(unsigned int *seed)
{
	static const speed_t speeds[] = { B300, B2400, B9600, B38400, B115200 };
	unsigned int port = NR_STREAMS + rnd(seed, NR_PORTS - NR_STREAMS);
	struct termios t;
	char tty[32], junk[256];
	int fd, bits;

	snprintf(tty, sizeof(tty), "/dev/ttyVCOM%u", port);
	STAGE("tty open");
	fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (!module_gone(errno))
			report_unexpected("tty open", errno);
		return;
	}
	STAGE("tty write, termios, modem lines, break");
	memset(junk, rnd(seed, 256), sizeof(junk));
	if (write(fd, junk, rnd(seed, sizeof(junk))) < 0 && errno != EAGAIN)
		tty_error(fd, "tty write", errno);
	if (!tcgetattr(fd, &t)) {
		cfmakeraw(&t);
		cfsetspeed(&t, speeds[rnd(seed, ARRAY_SIZE(speeds))]);
		t.c_cflag &= ~(CSIZE | PARENB | PARODD | CSTOPB);
		t.c_cflag |= (rnd(seed, 2) ? CS7 : CS8) | (rnd(seed, 2) ? PARENB : 0) |
			     (rnd(seed, 2) ? CSTOPB : 0) | CLOCAL;
		if (tcsetattr(fd, TCSANOW, &t))
			termios_error(fd, &t, errno);
	}
	bits = rnd(seed, 2) ? TIOCM_DTR | TIOCM_RTS : 0;
	if (ioctl(fd, TIOCMSET, &bits))
		tty_error(fd, "TIOCMSET", errno);
	/*
	 * A break waits for pending output to go, and with no guest attached
	 * nothing drains it (vmpass is lossless): flush it first.
	 */
	if (rnd(seed, 4) == 0) {
		tcflush(fd, TCOFLUSH);
		if (ioctl(fd, TIOCSBRK) || ioctl(fd, TIOCCBRK))
			tty_error(fd, "break", errno);
	}
	while (read(fd, junk, sizeof(junk)) > 0)
		;
	tcflush(fd, TCIOFLUSH);
	STAGE("tty close");
	close(fd);
	atomic_fetch_add(&st.tty_ops, 1);
}

static void remap_round(unsigned int *seed)
{
	static const unsigned int bases[] = { 0x3e8, 0x2e8, 0x3e0, 0x2e0, 0x3a0, 0x2a0,
					      0x220, 0x228, 0x230, 0x238 };
	static const int irqs[] = { 5, 7, 9, 10, 11, 12, 14, 15 };
	unsigned int port = NR_STREAMS + rnd(seed, NR_PORTS - NR_STREAMS);
	struct serial_struct ss;
	char tty[32];
	int fd;

	snprintf(tty, sizeof(tty), "/dev/ttyVCOM%u", port);
	fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (!module_gone(errno))
			report_unexpected("remap open", errno);
		return;
	}
	STAGE("remap");
	if (!ioctl(fd, TIOCGSERIAL, &ss)) {
		ss.port = bases[rnd(seed, ARRAY_SIZE(bases))];
		ss.irq = irqs[rnd(seed, ARRAY_SIZE(irqs))];
		if (!ioctl(fd, TIOCSSERIAL, &ss))
			atomic_fetch_add(&st.remaps, 1);
		else if (errno == EBUSY || errno == EINVAL)	/* attached; clash */
			atomic_fetch_add(&st.remaps_refused, 1);
		else
			report_unexpected("TIOCSSERIAL", errno);
	}
	close(fd);
}

static void *tty_worker(void *arg)
{
	unsigned int seed = (unsigned long)arg;

	worker_register("tty");
	while (!st.stop) {
		STAGE("waiting for a module cycle");
		pthread_rwlock_rdlock(&st.quiesce);
		tty_round(&seed);
		if (rnd(&seed, 3) == 0)
			remap_round(&seed);
		pthread_rwlock_unlock(&st.quiesce);
	}
	return NULL;
}

static void *pci_worker(void *arg)
{
	int ret;

	worker_register("pci");
	while (!st.stop) {
		STAGE("waiting for a module cycle");
		pthread_rwlock_rdlock(&st.quiesce);
		STAGE("new_slot");
		ret = write_str(PCI_DRV "new_slot", STRESS_NIC);
		if (!ret) {
			/* Claimed for a while: the VFIO worker's window to open it. */
			usleep(50000);
			STAGE("remove_slot");
			/* -EBUSY while the VFIO worker holds it: try again. */
			while ((ret = write_str(PCI_DRV "remove_slot", STRESS_NIC)) == -EBUSY) {
				atomic_fetch_add(&st.pci_busy, 1);
				usleep(10000);
			}
			if (ret)
				report_unexpected("remove_slot", -ret);
			else
				atomic_fetch_add(&st.pci_cycles, 1);
		} else if (!module_gone(-ret)) {
			report_unexpected("new_slot", -ret);
		}
		pthread_rwlock_unlock(&st.quiesce);
		usleep(20000);
	}
	return NULL;
}

/*
 * The NIC at 00:04.0 through every way in and out: new_slot, a sysfs
 * unbind (gives it back; it is released), bind (refused while released),
 * new_slot again, remove_slot. The other workers race each step, so a step
 * may find the device already gone (-ENODEV) or, for bind, with a host
 * driver (-EBUSY). Nothing else is expected.
 */
static void *pci_unbind_worker(void *arg)
{
	static const char *const steps[] = {
		PCI_DRV "new_slot", PCI_DRV "unbind", PCI_DRV "bind", PCI_DRV "new_slot",
		PCI_DRV "remove_slot",
	};
	unsigned int i;
	int ret;

	worker_register("pci unbind");
	while (!st.stop) {
		STAGE("waiting for a module cycle");
		pthread_rwlock_rdlock(&st.quiesce);
		for (i = 0; i < ARRAY_SIZE(steps); i++) {
			STAGE(steps[i]);
			ret = write_str(steps[i], STRESS_NIC_UNBIND);
			/* bind: -EBUSY when a host driver has it already. */
			if (ret && ret != -ENODEV && ret != -EBUSY && !module_gone(-ret))
				report_unexpected(steps[i], -ret);
		}
		atomic_fetch_add(&st.pci_unbinds, 1);
		pthread_rwlock_unlock(&st.quiesce);
		usleep(10000);
	}
	return NULL;
}

/* Open STRESS_NIC through VFIO; the device fd, or -errno. */
static int vfio_open_nic(int *container, int *group)
{
	char buf[128], path[64];
	ssize_t n;
	int dev;

	*container = *group = -1;
	n = readlink("/sys/bus/pci/devices/" STRESS_NIC "/iommu_group", buf, sizeof(buf) - 1);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", strrchr(buf, '/') + 1);
	*container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (*container < 0)
		return -errno;
	*group = open(path, O_RDWR | O_CLOEXEC);
	if (*group < 0)
		return -errno;
	if (ioctl(*group, VFIO_GROUP_SET_CONTAINER, container) ||
	    ioctl(*container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU))
		return -errno;
	dev = ioctl(*group, VFIO_GROUP_GET_DEVICE_FD, STRESS_NIC);
	return dev < 0 ? -errno : dev;
}

/*
 * A VMM opening STRESS_NIC through VFIO while new_slot/remove_slot cycle
 * on it: an open either fails (not claimed now, or being given back) or
 * holds the device, which remove_slot then refuses (-EBUSY). VFIO's
 * request to let go (VFIO_PCI_REQ_IRQ) must never come while it holds it.
 */
static void *pci_vfio_worker(void *arg)
{
	char irqbuf[sizeof(struct vfio_irq_set) + sizeof(int)];
	struct vfio_irq_set *irq = (struct vfio_irq_set *)irqbuf;
	int container, group, dev, req;
	__u64 v;

	worker_register("pci vfio");
	while (!st.stop) {
		STAGE("waiting for a module cycle");
		pthread_rwlock_rdlock(&st.quiesce);
		STAGE("vfio open");
		dev = vfio_open_nic(&container, &group);
		if (dev >= 0) {
			req = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			irq->argsz = sizeof(irqbuf);
			irq->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
			irq->index = VFIO_PCI_REQ_IRQ_INDEX;
			irq->start = 0;
			irq->count = 1;
			memcpy(irq->data, &req, sizeof(req));
			if (ioctl(dev, VFIO_DEVICE_SET_IRQS, irq))
				report_unexpected("VFIO_PCI_REQ_IRQ", errno);
			STAGE("holding the device");
			usleep(30000);
			if (read(req, &v, sizeof(v)) == sizeof(v))
				report_unexpected("the device was pulled from an open VMM", EBUSY);
			atomic_fetch_add(&st.vfio_opens, 1);
			close(dev);
			close(req);
		}
		if (group >= 0)
			close(group);
		if (container >= 0)
			close(container);
		pthread_rwlock_unlock(&st.quiesce);
		usleep(5000);
	}
	return NULL;
}

/* VMPASS_LIST_PCI, GET_INFO and slots, as fast as they go. */
static void *pci_list_worker(void *arg)
{
	struct vmpass_pci_dev devs[4];
	struct vmpass_pci_list list = { .devices = (unsigned long)devs };
	struct vmpass_info info;
	char buf[512];
	int ctl, i;

	worker_register("pci list");
	while (!st.stop) {
		STAGE("waiting for a module cycle");
		pthread_rwlock_rdlock(&st.quiesce);
		STAGE("list");
		ctl = ctl_open();
		if (ctl < 0) {
			if (!module_gone(errno))
				report_unexpected("open /dev/vmpass", errno);
			pthread_rwlock_unlock(&st.quiesce);
			continue;
		}
		for (i = 0; i < 50 && !st.stop; i++) {
			list.count = 1 + i % 4;
			if (ioctl(ctl, VMPASS_LIST_PCI, &list))
				report_unexpected("VMPASS_LIST_PCI", errno);
			else if (list.count > 2)
				report_unexpected("VMPASS_LIST_PCI: more than 2 devices", EINVAL);
			if (ioctl(ctl, VMPASS_GET_INFO, &info))
				report_unexpected("VMPASS_GET_INFO", errno);
			if (read_line(PCI_DRV "slots", buf, sizeof(buf)) && errno != ENOENT)
				report_unexpected("slots", errno);
			atomic_fetch_add(&st.pci_lists, 1);
		}
		close(ctl);
		pthread_rwlock_unlock(&st.quiesce);
	}
	return NULL;
}

/* rmmod while busy: refused. Every @period: a real rmmod/insmod cycle. */
static void module_cycles(time_t end, int period)
{
	time_t next = time(NULL) + period;
	int ret;

	worker_register("module");
	while (time(NULL) < end) {
		usleep(200000);
		STAGE("rmmod while busy");
		ret = syscall(SYS_delete_module, "vmpass", O_NONBLOCK) ? -errno : 0;
		if (ret == -EBUSY || ret == -EAGAIN || ret == -EWOULDBLOCK) {
			atomic_fetch_add(&st.rmmod_refused, 1);
		} else if (!ret) {
			/* Caught it between rounds: it went cleanly; bring it back. */
			STAGE("insmod after a lucky rmmod");
			if (vmpass_load(STRESS_PARAMS))
				report_unexpected("insmod after a lucky rmmod", errno);
			atomic_fetch_add(&st.module_cycles, 1);
		} else {
			report_unexpected("rmmod while busy", -ret);
		}
		if (time(NULL) < next)
			continue;
		STAGE("waiting for the workers to pause");
		pthread_rwlock_wrlock(&st.quiesce);
		STAGE("rmmod");
		ret = vmpass_unload();
		if (ret)
			report_unexpected("rmmod when quiet", -ret);
		STAGE("insmod");
		ret = vmpass_load(STRESS_PARAMS);
		if (ret)
			report_unexpected("insmod", -ret);
		atomic_fetch_add(&st.module_cycles, 1);
		pthread_rwlock_unlock(&st.quiesce);
		next = time(NULL) + period;
	}
}

/* A worker did not finish: say where each is, in userspace and kernel. */
static void report_hang(void)
{
	char path[64], line[256];
	int i;

	for (i = 0; i < nr_workers; i++) {
		FILE *f;

		printf("# stress: worker %d (%s, tid %d) at: %s\n", i, workers[i].name,
		       workers[i].tid, __atomic_load_n(&workers[i].stage, __ATOMIC_RELAXED));
		snprintf(path, sizeof(path), "/proc/self/task/%d/stack", workers[i].tid);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			printf("#     %s", line);
		if (f)
			fclose(f);
	}
	/* Blocked tasks, into the kernel log. */
	write_str("/proc/sysrq-trigger", "w");
}

static time_t watchdog_deadline;

static void *watchdog(void *arg)
{
	while (time(NULL) < watchdog_deadline)
		sleep(1);
	report_hang();
	printf("# stress: still running 150 s after its end: hung\n");
	fflush(stdout);
	_exit(1);
}

FIXTURE(stress) {
	int unused;
};

FIXTURE_SETUP(stress)
{
	pthread_rwlockattr_t attr;

	ASSERT_EQ(0, vmpass_reload(STRESS_PARAMS));
	if (path_exists("/sys/bus/pci/devices/" STRESS_NIC))
		system("modprobe e1000");
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&st.quiesce, &attr);
}

FIXTURE_TEARDOWN(stress)
{
	vmpass_reload(getenv("VMPASS_MODPARAMS"));
}

TEST_F_TIMEOUT(stress, everything_at_once, 1800)
{
	const char *env = getenv("STRESS_SECONDS");
	int seconds = env ? atoi(env) : 60;
	bool pci = path_exists("/sys/bus/pci/devices/" STRESS_NIC);
	pthread_t th[MAX_WORKERS], wd;
	bool pci2 = path_exists("/sys/bus/pci/devices/" STRESS_NIC_UNBIND);
	bool has_iommu = path_exists("/sys/bus/pci/devices/" STRESS_NIC "/iommu_group");
	int nth = 0, i;

	for (i = 0; i < NR_STREAMS; i++)
		pthread_create(&th[nth++], NULL, stream_worker, (void *)(unsigned long)i);
	pthread_create(&th[nth++], NULL, register_worker, (void *)1UL);
	pthread_create(&th[nth++], NULL, register_worker, (void *)2UL);
	pthread_create(&th[nth++], NULL, tty_worker, (void *)3UL);
	if (pci)
		pthread_create(&th[nth++], NULL, pci_worker, NULL);
	if (pci2)
		pthread_create(&th[nth++], NULL, pci_unbind_worker, NULL);
	if (pci && has_iommu)
		pthread_create(&th[nth++], NULL, pci_vfio_worker, NULL);
	if (pci || pci2) {
		pthread_create(&th[nth++], NULL, pci_list_worker, NULL);
		pthread_create(&th[nth++], NULL, pci_list_worker, NULL);
	}
	watchdog_deadline = time(NULL) + seconds + 150;
	pthread_create(&wd, NULL, watchdog, NULL);
	pthread_detach(wd);

	module_cycles(time(NULL) + seconds, seconds / 6 > 2 ? seconds / 6 : 2);
	st.stop = true;
	for (i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	watchdog_deadline = LONG_MAX;

	printf("# stress: %d s: register accesses %lu (%lu attaches, %lu busy),",
	       seconds, st.reg_ops, st.attaches, st.attach_busy);
	printf(" tty rounds %lu, remaps %lu (+%lu refused), pci cycles %lu%s\n",
	       st.tty_ops, st.remaps, st.remaps_refused, st.pci_cycles, pci ? "" : " (no NIC)");
	printf("# stress: pci unbind rounds %lu, LIST_PCI/GET_INFO/slots rounds %lu,",
	       st.pci_unbinds, st.pci_lists);
	printf(" VFIO opens held %lu, remove_slot busy %lu\n", st.vfio_opens, st.pci_busy);
	printf("# stress: rmmod refused while busy %lu, rmmod/insmod cycles %lu,",
	       st.rmmod_refused, st.module_cycles);
	printf(" tty calls cut short by a DTR hangup %lu,", st.hangups);
	printf(" tcsetattr overtaken by the guest's LCR %lu\n", st.termios_overtaken);
	printf("# stress: streams: %lu rounds (%lu with a slow host reader,",
	       st.stream_rounds, st.slow_rounds);
	printf(" %lu with one that stopped until the guest waited),", st.stopped_rounds);
	printf(" %lu records, %lu bytes verified, %lu unexpected\n",
	       st.records, st.bytes_verified, st.unexpected);
	if (st.unexpected)
		system("dmesg | grep -v 'overlaps\\|is shared' | tail -n 20 | sed 's/^/# /'");
	EXPECT_EQ(0, st.unexpected);
	EXPECT_LT(0, st.bytes_verified);
	EXPECT_LT(0, st.slow_rounds);
	EXPECT_LT(0, st.stopped_rounds);
	EXPECT_LT(0, st.module_cycles);
	EXPECT_LT(0, st.reg_ops);
	if (pci)
		EXPECT_LT(0, st.pci_cycles);
	if (pci2) {
		EXPECT_LT(0, st.pci_unbinds);
		/* Given back in the end, whatever the races did. */
		EXPECT_EQ(0, system("sleep 1; readlink /sys/bus/pci/devices/" STRESS_NIC_UNBIND
				    "/driver | grep -q e1000"));
	}
	if (pci || pci2)
		EXPECT_LT(0, st.pci_lists);
}

TEST_HARNESS_MAIN
