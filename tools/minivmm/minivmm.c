// SPDX-License-Identifier: GPL-2.0
/*
 * minivmm - a tiny KVM VMM that gives a real-mode guest vmpass COM ports.
 *
 *   minivmm [--port IOBASE]... [--edge] [--timeout S] GUEST.bin
 *           [--arg N] [--mode out|outsb] [--null-io] [--irq-line] [--markers]
 *           [--save FILE]
 *   minivmm --restore FILE [--edge] [--timeout S] [--save FILE]
 *
 * One vCPU in real mode, 1 MiB of memory, KVM's in-kernel 8259s. The flat
 * binary GUEST.bin is loaded at 0x7c00 and started there. Each --port
 * attaches to the vmpass COM port with that I/O base (VMPASS_ATTACH_PORT
 * by I/O base), forwards the guest's port I/O in that range to the port fd
 * (a string I/O exit is one pread/pwrite), and wires the port's IRQ
 * eventfd to KVM_IRQFD with the port's IRQ as the GSI. The guest finds its
 * ports in a table at 0x500 (see guests/echo.S).
 *
 * By default each IRQ is wired with a resample eventfd (level semantics:
 * KVM asserts the GSI until the guest's EOI, then vmpass asserts it again
 * if the port still wants service), so ports that share an IRQ cannot lose
 * each other's interrupts. --edge wires plain rising-edge pulses instead.
 *
 * Two debug ports: a byte written to 0xe9 is printed on stderr, and a byte
 * written to 0xf4 ends the VMM with that exit status. SIGTERM and SIGINT
 * end it with status 0; so does --timeout. SIGUSR1 prints the vCPU's
 * registers and the 8259s' state on stderr, and goes on.
 *
 * For the benchmarks (bench/): --arg N and --mode put a dword N at 0x4fc
 * and a word (0 for "out", 1 for "outsb") at 0x4f8 for the guest;
 * --null-io answers the ports' I/O in minivmm itself, without vmpass (LSR
 * reads THRE|TEMT, other reads 0, writes vanish): the bare cost of an
 * exit; --irq-line injects each rising edge of a port's IRQ with
 * KVM_IRQ_LINE from a VMM thread instead of KVM_IRQFD; --markers prints
 * "marker NS" (CLOCK_MONOTONIC) on stdout for each write to port 0x80.
 *
 * Snapshots: with --save FILE, SIGUSR2 stops the vCPU (completing the port
 * I/O in flight), takes each port's state (VMPASS_PORT_GET_STATE, which
 * freezes the port), saves the vCPU (registers, KVM_GET_VCPU_EVENTS,
 * KVM_GET_MP_STATE, the local APIC), the in-kernel 8259s and I/O APIC, the
 * guest memory and the port states to FILE, and exits with status 0; the
 * ports' buffered bytes go with the file. --restore FILE attaches the
 * ports by the I/O bases in FILE (so onto other port indexes that carry
 * them), which must have the same IRQs, puts everything back, restores the
 * port states (VMPASS_PORT_SET_STATE) before the first KVM_RUN, and goes
 * on. There is no in-kernel PIT to save.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/kvm.h>
#include <linux/serial_reg.h>
#include <linux/vmpass.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define GUEST_MEM	0x100000
#define GUEST_LOAD	0x7c00
#define GUEST_STACK	0x7000
#define GUEST_CONFIG	0x500
#define MAX_PORTS	64	/* the table at 0x500 ends at 0x601 */
#define GUEST_ARG	0x4fc
#define GUEST_MODE	0x4f8
#define MARKER_PORT	0x80
#define DEBUG_CONSOLE	0xe9
#define DEBUG_EXIT	0xf4

struct vmm_port {
	unsigned int iobase;
	unsigned int irq;
	int fd;
	int irqfd;
	int resamplefd;
};

static struct vmm_port ports[MAX_PORTS];
static unsigned int nr_ports;
static int edge_only;
static int null_io;
static int irq_line;
static int markers;
static unsigned int guest_arg;
static unsigned int guest_mode;
static int vm_fd;
static const char *save_path;
static struct kvm_run *vcpu_run;
static sig_atomic_t save_requested;

/* A snapshot file: this header, then struct snap_vcpu, memory, ports. */
#define SNAP_MAGIC	"minivmm snapshot 1"

struct snap_header {
	char magic[24];
	__u32 nr_ports;
	__u32 mem_size;
};

struct snap_vcpu {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_vcpu_events events;
	struct kvm_mp_state mp_state;
	struct kvm_lapic_state lapic;
	struct kvm_irqchip chips[3];	/* the two 8259s and the I/O APIC */
};

struct snap_port {
	__u32 iobase;
	__u32 irq;
	struct vmpass_port_state state;
};

static void die(const char *what)
{
	fprintf(stderr, "minivmm: %s: %s\n", what, strerror(errno));
	exit(2);
}

static sig_atomic_t dump_requested;
static sig_atomic_t stop_requested;
static struct kvm_run *vcpu_run;

/*
 * A signal interrupts KVM_RUN (EINTR): SIGUSR1 asks for a dump, others end
 * the VMM. One that comes while the vCPU is out of KVM_RUN (handling an
 * exit) must not be lost, or a halted guest keeps the VMM waiting for an
 * interrupt for good: immediate_exit makes the next KVM_RUN return at once.
 */
static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		dump_requested = 1;
	else if (sig == SIGUSR2 && save_path)
		save_requested = 1;
	else
		stop_requested = 1;
	/* KVM_RUN returns at once, also if it was about to be entered. */
	if (vcpu_run)
		vcpu_run->immediate_exit = 1;
}

static void dump_state(int vm, int vcpu)
{
	struct kvm_irqchip chip = { 0 };
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	int i;

	if (!ioctl(vcpu, KVM_GET_REGS, &regs) && !ioctl(vcpu, KVM_GET_SREGS, &sregs))
		fprintf(stderr, "minivmm: cs:ip %04x:%04llx flags %04llx sp %04llx ax %04llx\n",
			sregs.cs.selector, regs.rip, regs.rflags, regs.rsp, regs.rax);
	for (i = 0; i < 2; i++) {
		chip.chip_id = i;
		if (!ioctl(vm, KVM_GET_IRQCHIP, &chip))
			fprintf(stderr, "minivmm: pic%d irr %02x imr %02x isr %02x last_irr %02x\n",
				i, chip.chip.pic.irr, chip.chip.pic.imr, chip.chip.pic.isr,
				chip.chip.pic.last_irr);
	}
}

/* Attach to the vmpass port at @p->iobase and learn its IRQ. */
static void port_attach(int ctl, struct vmm_port *p)
{
	struct vmpass_attach at = { .flags = VMPASS_ATTACH_BY_IOBASE, .iobase = p->iobase };
	struct vmpass_info info = { 0 };
	unsigned int i;

	p->fd = ioctl(ctl, VMPASS_ATTACH_PORT, &at);
	if (p->fd < 0) {
		fprintf(stderr, "minivmm: no vmpass port at %#x: %s\n", p->iobase,
			strerror(errno));
		exit(2);
	}
	if (ioctl(ctl, VMPASS_GET_INFO, &info))
		die("VMPASS_GET_INFO");
	for (i = 0; i < info.nr_ports; i++) {
		struct vmpass_port_desc d = { .index = i };

		if (!ioctl(ctl, VMPASS_DESCRIBE_PORT, &d) && d.iobase == p->iobase)
			p->irq = d.irq;
	}
	if (!p->irq) {
		fprintf(stderr, "minivmm: the port at %#x has no IRQ\n", p->iobase);
		exit(2);
	}
}

/* The port's IRQ output drives the GSI through an eventfd: no exit. */
static void port_wire_irq(int vm, struct vmm_port *p)
{
	struct vmpass_irqfd req = { .fd = -1, .resample_fd = -1 };
	struct kvm_irqfd irqfd = { 0 };

	p->irqfd = eventfd(0, EFD_CLOEXEC);
	if (p->irqfd < 0)
		die("eventfd");
	req.fd = p->irqfd;
	irqfd.fd = p->irqfd;
	irqfd.gsi = p->irq;
	if (!edge_only) {
		p->resamplefd = eventfd(0, EFD_CLOEXEC);
		if (p->resamplefd < 0)
			die("eventfd");
		req.flags = VMPASS_IRQFD_RESAMPLE;
		req.resample_fd = p->resamplefd;
		irqfd.flags = KVM_IRQFD_FLAG_RESAMPLE;
		irqfd.resamplefd = p->resamplefd;
	}
	if (irq_line) {
		/* The edges come to irq_line_thread(), not to KVM. */
		req.flags = 0;
		req.resample_fd = -1;
	}
	if (ioctl(p->fd, VMPASS_PORT_SET_IRQFD, &req))
		die("VMPASS_PORT_SET_IRQFD");
	if (!irq_line && ioctl(vm, KVM_IRQFD, &irqfd))
		die("KVM_IRQFD");
}

/* --irq-line: each rising edge of a port's IRQ, injected from userspace. */
static void *irq_line_thread(void *arg)
{
	struct pollfd pfd[MAX_PORTS];
	unsigned int i;
	__u64 count;

	(void)arg;
	for (i = 0; i < nr_ports; i++) {
		pfd[i].fd = ports[i].irqfd;
		pfd[i].events = POLLIN;
	}
	for (;;) {
		if (poll(pfd, nr_ports, -1) < 0)
			continue;
		for (i = 0; i < nr_ports; i++) {
			struct kvm_irq_level line = { .irq = ports[i].irq, .level = 1 };

			if (!(pfd[i].revents & POLLIN) ||
			    read(ports[i].irqfd, &count, sizeof(count)) != sizeof(count))
				continue;
			ioctl(vm_fd, KVM_IRQ_LINE, &line);
			line.level = 0;
			ioctl(vm_fd, KVM_IRQ_LINE, &line);
		}
	}
	return NULL;
}

/* --null-io: what a port access costs with nothing behind it. */
static void null_port_access(unsigned int reg, bool out, unsigned char *data, unsigned int n)
{
	if (!out)
		memset(data, reg == UART_LSR ? UART_LSR_THRE | UART_LSR_TEMT : 0, n);
}

static struct vmm_port *port_at(unsigned int io)
{
	unsigned int i;

	for (i = 0; i < nr_ports; i++)
		if (io >= ports[i].iobase && io < ports[i].iobase + 8)
			return &ports[i];
	return NULL;
}

/* Returns -1 to go on, or the exit status the guest asked for. */
static int handle_io(struct kvm_run *run)
{
	unsigned char *data = (unsigned char *)run + run->io.data_offset;
	unsigned int n = run->io.size * run->io.count;
	struct vmm_port *p = port_at(run->io.port);
	ssize_t r;

	if (p) {
		off_t reg = run->io.port - p->iobase;

		if (null_io) {
			null_port_access(reg, run->io.direction == KVM_EXIT_IO_OUT, data, n);
			return -1;
		}
		if (run->io.direction == KVM_EXIT_IO_OUT)
			r = pwrite(p->fd, data, n, reg);
		else
			r = pread(p->fd, data, n, reg);
		if (r != (ssize_t)n)
			die("port access");
		return -1;
	}
	if (run->io.direction == KVM_EXIT_IO_OUT) {
		if (run->io.port == DEBUG_CONSOLE) {
			fwrite(data, 1, n, stderr);
		} else if (run->io.port == MARKER_PORT && markers) {
			struct timespec t;

			clock_gettime(CLOCK_MONOTONIC, &t);
			printf("marker %lld\n", t.tv_sec * 1000000000LL + t.tv_nsec);
			fflush(stdout);
		}
		if (run->io.port == DEBUG_EXIT)
			return data[0];
	} else {
		memset(data, 0xff, n);
	}
	return -1;
}

static void load_guest(unsigned char *mem, const char *path)
{
	unsigned short *config = (unsigned short *)(mem + GUEST_CONFIG);
	unsigned int i;
	ssize_t len;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	len = read(fd, mem + GUEST_LOAD, GUEST_MEM - GUEST_LOAD);
	if (len <= 0)
		die(path);
	close(fd);

	memcpy(mem + GUEST_ARG, &guest_arg, sizeof(guest_arg));
	memcpy(mem + GUEST_MODE, &guest_mode, 2);
	config[0] = nr_ports;
	for (i = 0; i < nr_ports; i++) {
		config[1 + 2 * i] = ports[i].iobase;
		config[2 + 2 * i] = ports[i].irq;
	}
}

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t r;

	while (len) {
		r = write(fd, p, len);
		if (r <= 0)
			die("write snapshot");
		p += r;
		len -= r;
	}
}

static void read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t r;

	while (len) {
		r = read(fd, p, len);
		if (r <= 0) {
			fprintf(stderr, "minivmm: snapshot truncated\n");
			exit(2);
		}
		p += r;
		len -= r;
	}
}

static void vcpu_save(int vm, int vcpu, struct snap_vcpu *v)
{
	int i;

	if (ioctl(vcpu, KVM_GET_REGS, &v->regs) || ioctl(vcpu, KVM_GET_SREGS, &v->sregs))
		die("KVM_GET_REGS/SREGS");
	if (ioctl(vcpu, KVM_GET_VCPU_EVENTS, &v->events))
		die("KVM_GET_VCPU_EVENTS");
	if (ioctl(vcpu, KVM_GET_MP_STATE, &v->mp_state))
		die("KVM_GET_MP_STATE");
	if (ioctl(vcpu, KVM_GET_LAPIC, &v->lapic))
		die("KVM_GET_LAPIC");
	for (i = 0; i < 3; i++) {
		v->chips[i].chip_id = i;
		if (ioctl(vm, KVM_GET_IRQCHIP, &v->chips[i]))
			die("KVM_GET_IRQCHIP");
	}
}

static void vcpu_restore(int vm, int vcpu, struct snap_vcpu *v)
{
	int i;

	if (ioctl(vcpu, KVM_SET_SREGS, &v->sregs) || ioctl(vcpu, KVM_SET_REGS, &v->regs))
		die("KVM_SET_REGS/SREGS");
	if (ioctl(vcpu, KVM_SET_LAPIC, &v->lapic))
		die("KVM_SET_LAPIC");
	if (ioctl(vcpu, KVM_SET_MP_STATE, &v->mp_state))
		die("KVM_SET_MP_STATE");
	if (ioctl(vcpu, KVM_SET_VCPU_EVENTS, &v->events))
		die("KVM_SET_VCPU_EVENTS");
	for (i = 0; i < 3; i++)
		if (ioctl(vm, KVM_SET_IRQCHIP, &v->chips[i]))
			die("KVM_SET_IRQCHIP");
}

/*
 * SIGUSR2 with --save: the vCPU stops (a KVM_RUN with immediate_exit
 * completes the I/O in flight), the ports freeze, everything goes to the
 * file (written aside, then renamed), and the VMM exits: closing the port
 * fds hands their buffered bytes over with the file.
 */
static void save_snapshot(int vm, int vcpu, const unsigned char *mem)
{
	struct snap_header h = { .magic = SNAP_MAGIC, .nr_ports = nr_ports,
				 .mem_size = GUEST_MEM };
	static struct snap_vcpu v;
	struct snap_port *sp;
	char tmp[4096];
	unsigned int i;
	int fd;

	vcpu_run->immediate_exit = 1;
	if (!ioctl(vcpu, KVM_RUN, 0) || errno != EINTR)
		die("KVM_RUN to stop");
	vcpu_run->immediate_exit = 0;
	sp = calloc(nr_ports ? nr_ports : 1, sizeof(*sp));
	if (!sp)
		die("calloc");
	for (i = 0; i < nr_ports; i++) {
		struct vmpass_state_buf b = { .size = sizeof(sp[i].state),
					      .data = (unsigned long)&sp[i].state };

		sp[i].iobase = ports[i].iobase;
		sp[i].irq = ports[i].irq;
		if (ioctl(ports[i].fd, VMPASS_PORT_GET_STATE, &b))
			die("VMPASS_PORT_GET_STATE");
	}
	vcpu_save(vm, vcpu, &v);

	snprintf(tmp, sizeof(tmp), "%s.tmp", save_path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die(tmp);
	write_all(fd, &h, sizeof(h));
	write_all(fd, &v, sizeof(v));
	write_all(fd, mem, GUEST_MEM);
	write_all(fd, sp, nr_ports * sizeof(*sp));
	if (fsync(fd) || close(fd) || rename(tmp, save_path))
		die(save_path);
	fprintf(stderr, "minivmm: saved to %s\n", save_path);
	exit(0);
}

/* --restore: the header and the ports' I/O bases, read before the VM exists. */
static int restore_open(const char *path, struct snap_header *h)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die(path);
	read_all(fd, h, sizeof(*h));
	if (memcmp(h->magic, SNAP_MAGIC, sizeof(SNAP_MAGIC)) || h->mem_size != GUEST_MEM ||
	    h->nr_ports > MAX_PORTS) {
		fprintf(stderr, "minivmm: %s is not a snapshot of this minivmm\n", path);
		exit(2);
	}
	return fd;
}

static void print_usage(void)
{
	fprintf(stderr, "usage: minivmm [--port IOBASE]... [--edge] [--timeout S] GUEST.bin\n"
		"               [--arg N] [--mode out|outsb] [--null-io] [--irq-line] [--markers]\n"
		"               [--save FILE]\n"
		"       minivmm --restore FILE [--edge] [--timeout S] [--save FILE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "edge", no_argument, &edge_only, 1 },
		{ "arg", required_argument, NULL, 'a' },
		{ "mode", required_argument, NULL, 'm' },
		{ "null-io", no_argument, &null_io, 1 },
		{ "irq-line", no_argument, &irq_line, 1 },
		{ "markers", no_argument, &markers, 1 },
		{ "save", required_argument, NULL, 's' },
		{ "restore", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct kvm_userspace_memory_region region = { 0 };
	static struct snap_vcpu snap_vcpu;
	const char *restore_path = NULL;
	struct snap_header snap;
	int snap_fd = -1;
	struct sigaction sa = { .sa_handler = on_signal };
	struct kvm_sregs sregs;
	struct kvm_regs regs = { 0 };
	struct kvm_run *run;
	unsigned char *mem;
	int kvm, vm, vcpu, ctl, opt, status = -1;
	unsigned int i, timeout = 0;
	long run_size;

	while ((opt = getopt_long(argc, argv, "p:t:", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (nr_ports == MAX_PORTS)
				print_usage();
			ports[nr_ports++].iobase = strtoul(optarg, NULL, 0);
			break;
		case 't':
			timeout = strtoul(optarg, NULL, 0);
			break;
		case 'a':
			guest_arg = strtoul(optarg, NULL, 0);
			break;
		case 'm':
			guest_mode = !strcmp(optarg, "outsb");
			break;
		case 's':
			save_path = optarg;
			break;
		case 'r':
			restore_path = optarg;
			break;
		case 0:
			break;
		default:
			print_usage();
		}
	}
	if (restore_path) {
		if (optind != argc || nr_ports || null_io || irq_line)
			print_usage();
		snap_fd = restore_open(restore_path, &snap);
		nr_ports = snap.nr_ports;
	} else if (optind != argc - 1) {
		print_usage();
	}

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);

	ctl = open("/dev/vmpass", O_RDWR | O_CLOEXEC);
	if (ctl < 0 && nr_ports)
		die("/dev/vmpass");
	if (restore_path) {
		/* The I/O bases, from the ports at the file's end. */
		off_t at = sizeof(snap) + sizeof(snap_vcpu) + GUEST_MEM;

		for (i = 0; i < nr_ports; i++) {
			struct snap_port sp;

			if (pread(snap_fd, &sp, sizeof(sp), at + i * sizeof(sp)) != sizeof(sp)) {
				fprintf(stderr, "minivmm: snapshot truncated\n");
				exit(2);
			}
			ports[i].iobase = sp.iobase;
			ports[i].irq = sp.irq;
		}
	}
	for (i = 0; i < nr_ports; i++) {
		unsigned int irq = ports[i].irq;

		port_attach(ctl, &ports[i]);
		if (restore_path && ports[i].irq != irq) {
			fprintf(stderr, "minivmm: the port at %#x has IRQ %u, not %u as saved\n",
				ports[i].iobase, ports[i].irq, irq);
			exit(2);
		}
	}

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	region.memory_size = GUEST_MEM;
	region.userspace_addr = (unsigned long)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region))
		die("KVM_SET_USER_MEMORY_REGION");
	ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000UL);	/* needed on Intel only */
	if (ioctl(vm, KVM_CREATE_IRQCHIP, 0))
		die("KVM_CREATE_IRQCHIP");
	vm_fd = vm;
	for (i = 0; i < nr_ports; i++)
		port_wire_irq(vm, &ports[i]);
	if (irq_line && nr_ports) {
		sigset_t all, old;
		pthread_t th;

		/* Signals go to the vCPU thread, where they end KVM_RUN. */
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		pthread_create(&th, NULL, irq_line_thread, NULL);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (restore_path) {
		read_all(snap_fd, &snap_vcpu, sizeof(snap_vcpu));
		read_all(snap_fd, mem, GUEST_MEM);
	} else {
		load_guest(mem, argv[optind]);
	}

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap vcpu");
	if (restore_path) {
		vcpu_restore(vm, vcpu, &snap_vcpu);
		/* The ports last, before the first KVM_RUN. */
		for (i = 0; i < nr_ports; i++) {
			struct snap_port sp;
			struct vmpass_state_buf b = { .size = sizeof(sp.state),
						      .version = VMPASS_PORT_STATE_VERSION,
						      .data = (unsigned long)&sp.state };

			read_all(snap_fd, &sp, sizeof(sp));
			if (ioctl(ports[i].fd, VMPASS_PORT_SET_STATE, &b))
				die("VMPASS_PORT_SET_STATE");
		}
		close(snap_fd);
	} else {
		if (ioctl(vcpu, KVM_GET_SREGS, &sregs))
			die("KVM_GET_SREGS");
		sregs.cs.base = 0;
		sregs.cs.selector = 0;
		if (ioctl(vcpu, KVM_SET_SREGS, &sregs))
			die("KVM_SET_SREGS");
		regs.rip = GUEST_LOAD;
		regs.rsp = GUEST_STACK;
		regs.rflags = 0x2;
		if (ioctl(vcpu, KVM_SET_REGS, &regs))
			die("KVM_SET_REGS");
	}

	vcpu_run = run;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);	/* vcpu_run is set first */
	if (stop_requested)
		return 0;
	if (save_requested)
		run->immediate_exit = 1;	/* came before vcpu_run was set */
	if (timeout)
		alarm(timeout);
	while (status < 0) {
		if (ioctl(vcpu, KVM_RUN, 0)) {
			if (errno != EINTR)
				die("KVM_RUN");
			run->immediate_exit = 0;
			if (save_requested)
				save_snapshot(vm, vcpu, mem);
			if (stop_requested || !dump_requested)
				return 0;
			dump_requested = 0;
			dump_state(vm, vcpu);
			continue;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			status = handle_io(run);
			break;
		case KVM_EXIT_INTR:
			break;
		default:
			fprintf(stderr, "minivmm: unexpected exit %u\n", run->exit_reason);
			return 3;
		}
	}
	return status < 0 ? 0 : status;
}
