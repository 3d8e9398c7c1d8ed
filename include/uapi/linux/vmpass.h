/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vmpass: the control ABI of /dev/vmpass and of the port fds it hands out.
 *
 * Every struct here has a fixed size and layout on all architectures,
 * carries no kernel pointers, and has reserved fields that userspace must
 * set to zero; the kernel refuses non-zero reserved fields (and unknown
 * flags) with -EINVAL, so that they can be given a meaning later.
 * See Documentation/vmpass/vmm-api.rst.
 */
#ifndef _UAPI_LINUX_VMPASS_H
#define _UAPI_LINUX_VMPASS_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Bumped on any incompatible change; compatible additions use features. */
#define VMPASS_API_VERSION	1

/* The ioctl type of /dev/vmpass and of the port fds it hands out. */
#define VMPASS_IOCTL_TYPE	0xBD

/* Feature bits in vmpass_info.features. */
#define VMPASS_FEATURE_IRQFD		(1ULL << 0)	/* VMPASS_PORT_SET_IRQFD */
#define VMPASS_FEATURE_IRQFD_RESAMPLE	(1ULL << 1)	/* vmpass_irqfd.resample_fd */
#define VMPASS_FEATURE_STRING_IO	(1ULL << 2)	/* pread/pwrite of n > 1 */
#define VMPASS_FEATURE_PORT_STATE	(1ULL << 3)	/* VMPASS_PORT_GET/SET_STATE */

/**
 * struct vmpass_info - VMPASS_GET_INFO
 * @api_version: VMPASS_API_VERSION of the running module
 * @nr_ports: number of COM ports
 * @features: VMPASS_FEATURE_*
 * @nr_devices: number of PCI devices vmpass has claimed
 * @reserved: zero
 */
struct vmpass_info {
	__u32 api_version;
	__u32 nr_ports;
	__u64 features;
	__u32 nr_devices;
	__u32 reserved[7];
};

/* vmpass_port_desc.flags */
#define VMPASS_PORT_ATTACHED	(1U << 0)	/* a guest is attached */
#define VMPASS_PORT_CARD	(1U << 1)	/* held by a mediated PCI card */

/**
 * struct vmpass_port_desc - VMPASS_DESCRIBE_PORT
 * @index: in: which port (n in ttyVCOMn)
 * @flags: out: VMPASS_PORT_*
 * @iobase: out: legacy I/O base, 0 for none
 * @irq: out: legacy IRQ, 0 for none
 * @tty: out: the host end's name, NUL-terminated ("ttyVCOM0")
 * @reserved: zero
 */
struct vmpass_port_desc {
	__u32 index;
	__u32 flags;
	__u32 iobase;
	__u32 irq;
	char tty[32];
	__u32 reserved[4];
};

/* vmpass_attach.flags */
#define VMPASS_ATTACH_BY_IOBASE	(1U << 0)	/* match @iobase, not @index */

/**
 * struct vmpass_attach - VMPASS_ATTACH_PORT
 * @flags: VMPASS_ATTACH_*
 * @index: the port, unless VMPASS_ATTACH_BY_IOBASE
 * @iobase: the port's I/O base, with VMPASS_ATTACH_BY_IOBASE
 * @reserved: zero
 *
 * Returns a new port fd (O_CLOEXEC). A port has one guest at a time: a
 * second attach gets -EBUSY. A missing port gets -ENODEV.
 */
struct vmpass_attach {
	__u32 flags;
	__u32 index;
	__u32 iobase;
	__u32 reserved[5];
};

/* vmpass_pci_dev.state */
#define VMPASS_PCI_CLAIMED	1	/* bound to vmpass, free */
#define VMPASS_PCI_IN_USE	2	/* open through VFIO */
/*
 * Never reported: VMPASS_LIST_PCI lists only devices bound to vmpass (the
 * slots file shows names with no device as "absent"). Kept, with its value
 * reserved, so that older sources build.
 */
#define VMPASS_PCI_ABSENT	3
/*
 * Bound to vmpass and hidden from host drivers, but with no VFIO device
 * (no IOMMU, or VFIO registration failed; @iommu_group is -1 then). Final
 * until the module is reloaded or the host rebooted with an IOMMU.
 */
#define VMPASS_PCI_NO_VFIO	4

/* vmpass_pci_dev.flags */
#define VMPASS_PCI_BY_OVERRIDE	(1U << 0)	/* named by a driver_override, not by a name */

/**
 * struct vmpass_pci_dev - one claimed PCI device, in VMPASS_LIST_PCI
 * @domain: PCI domain
 * @bus: bus number
 * @devfn: device and function
 * @vendor: vendor ID
 * @device: device ID
 * @flags: VMPASS_PCI_BY_OVERRIDE or 0 (always 0 in older modules)
 * @pad: the same as @flags
 * @iommu_group: IOMMU group number, -1 for none
 * @state: VMPASS_PCI_*
 * @path: the ACPI device path it was named by, or "" (NUL-terminated)
 * @reserved: zero
 */
struct vmpass_pci_dev {
	__u32 domain;
	__u8 bus;
	__u8 devfn;
	__u16 vendor;
	__u16 device;
	union {
		__u16 flags;
		__u16 pad;	/* its name before flags */
	};
	__s32 iommu_group;
	__u32 state;
	char path[64];
	__u32 reserved[4];
};

/**
 * struct vmpass_pci_list - VMPASS_LIST_PCI
 * @count: in: room in @devices; out: number of devices claimed (may be
 *	more than the room, in which case only @count entries were written)
 * @reserved: zero
 * @devices: user pointer to struct vmpass_pci_dev[count]
 */
struct vmpass_pci_list {
	__u32 count;
	__u32 reserved;
	__u64 devices;
};

#define VMPASS_GET_INFO		_IOR(VMPASS_IOCTL_TYPE, 0x00, struct vmpass_info)
#define VMPASS_DESCRIBE_PORT	_IOWR(VMPASS_IOCTL_TYPE, 0x01, struct vmpass_port_desc)
#define VMPASS_ATTACH_PORT	_IOW(VMPASS_IOCTL_TYPE, 0x02, struct vmpass_attach)
#define VMPASS_LIST_PCI		_IOWR(VMPASS_IOCTL_TYPE, 0x03, struct vmpass_pci_list)

/*
 * The port fd.
 *
 * pread(fd, buf, n, reg) and pwrite(fd, buf, n, reg), with reg 0..7 (the
 * 16550A register; DLAB selects as on the chip), are n accesses to that
 * register in order, as rep insb/outsb do them: n = 1 is one access, and
 * 1 <= n <= VMPASS_MAX_STRING_IO. Another offset or a larger n is -EINVAL.
 * poll() reports POLLIN while the port's IRQ output is asserted.
 * close() detaches the guest and resets the 16550A.
 */
#define VMPASS_MAX_STRING_IO	4096

/* vmpass_irqfd.flags */
#define VMPASS_IRQFD_RESAMPLE	(1U << 0)	/* use @resample_fd */

/**
 * struct vmpass_irqfd - VMPASS_PORT_SET_IRQFD
 * @fd: an eventfd signalled on each rising edge of the port's IRQ output
 *	(hand it to KVM_IRQFD); -1 removes it
 * @resample_fd: with VMPASS_IRQFD_RESAMPLE, an eventfd that, when
 *	signalled (KVM_IRQFD_FLAG_RESAMPLE does on EOI), makes vmpass signal
 *	@fd again if the IRQ output is still asserted: level semantics
 * @flags: VMPASS_IRQFD_*
 * @reserved: zero
 */
struct vmpass_irqfd {
	__s32 fd;
	__s32 resample_fd;
	__u32 flags;
	__u32 reserved[5];
};

#define VMPASS_PORT_SET_IRQFD	_IOW(VMPASS_IOCTL_TYPE, 0x10, struct vmpass_irqfd)
/* The IRQ output now: 0 or 1. */
#define VMPASS_PORT_GET_IRQ_LEVEL _IOR(VMPASS_IOCTL_TYPE, 0x11, __u32)

/*
 * A port's state, for snapshots and migration (VMPASS_PORT_GET_STATE and
 * VMPASS_PORT_SET_STATE; see vmm-api.rst). Version 1 is struct
 * vmpass_port_state as laid out here. A later version may only grow it
 * (new fields in reserved space or at the end, with a new version number);
 * a module accepts the versions it knows, and refuses others.
 */
#define VMPASS_PORT_STATE_VERSION	1
#define VMPASS_STATE_FIFO_SIZE		16	/* the 16550A's FIFOs */
#define VMPASS_STATE_BUF		4096	/* each port buffer */
/* An entry of a port buffer: a byte (0..0xff), or a break. */
#define VMPASS_STATE_CHAR_BREAK		0x100

/**
 * struct vmpass_uart_fifo - one FIFO of the 16550A
 * @data: the bytes, oldest first; zero past @count
 * @err: the LSR error bits (UART_LSR_OE, _PE, _FE, _BI) of each byte; zero
 *	past @count, and for the oldest received byte (its errors are in LSR)
 * @count: bytes in the FIFO: at most 16, or 1 while the FIFOs are off
 * @reserved: zero
 */
struct vmpass_uart_fifo {
	__u8 data[VMPASS_STATE_FIFO_SIZE];
	__u8 err[VMPASS_STATE_FIFO_SIZE];
	__u8 count;
	__u8 reserved[7];
};

/* vmpass_uart_state.flags */
#define VMPASS_UART_THR_PENDING		(1U << 0)	/* the IIR THRE latch */
#define VMPASS_UART_TIMEOUT_PENDING	(1U << 1)	/* a character timeout occurred */

/**
 * struct vmpass_uart_state - the 16550A's registers
 * @ier: IER (bits 3:0)
 * @lcr: LCR
 * @mcr: MCR (bits 4:0)
 * @fcr: the FCR settings that stay: FIFO enable, DMA mode, RX trigger
 *	level (0 while the FIFOs are off)
 * @scr: SCR
 * @lsr_err: the sticky LSR error bits (OE, PE, FE, BI)
 * @msr: MSR: status bits 7:4 (what the modem inputs, or loopback, give)
 *	and the latched deltas in bits 3:0
 * @modem_in: the modem-status inputs from the far end (MSR bits 7:4)
 * @dl: the divisor latch (DLM:DLL)
 * @rbr: the last byte received, which an RBR read returns while the RX
 *	FIFO is empty
 * @flags: VMPASS_UART_*
 * @reserved: zero
 * @rx: the receive FIFO
 * @tx: the transmit FIFO
 */
struct vmpass_uart_state {
	__u8 ier;
	__u8 lcr;
	__u8 mcr;
	__u8 fcr;
	__u8 scr;
	__u8 lsr_err;
	__u8 msr;
	__u8 modem_in;
	__u16 dl;
	__u8 rbr;
	__u8 flags;
	__u32 reserved[5];
	struct vmpass_uart_fifo rx;
	struct vmpass_uart_fifo tx;
};

/* vmpass_port_state.flags */
#define VMPASS_STATE_IRQ_LEVEL		(1U << 0)	/* the IRQ output is asserted */
#define VMPASS_STATE_TIMER		(1U << 1)	/* the character timer runs */
#define VMPASS_STATE_GUEST_BREAK	(1U << 2)	/* the guest's break was sent */

/**
 * struct vmpass_port_state - a port's whole state, version 1
 * @size: sizeof(struct vmpass_port_state) of @version
 * @version: VMPASS_PORT_STATE_VERSION
 * @flags: VMPASS_STATE_*
 * @reserved0: zero
 * @timeout_ns: with VMPASS_STATE_TIMER, the time left until the character
 *	timeout; zero without
 * @to_guest_len: entries in @to_guest
 * @to_host_len: entries in @to_host
 * @reserved1: zero
 * @uart: the 16550A
 * @reserved2: zero
 * @to_guest: host output waiting for the guest's RX FIFO, oldest first
 *	(bytes and VMPASS_STATE_CHAR_BREAK); zero past @to_guest_len
 * @to_host: guest output waiting for the host end, likewise
 */
struct vmpass_port_state {
	__u32 size;
	__u32 version;
	__u32 flags;
	__u32 reserved0;
	__u64 timeout_ns;
	__u16 to_guest_len;
	__u16 to_host_len;
	__u32 reserved1[9];
	struct vmpass_uart_state uart;
	__u32 reserved2[20];
	__u16 to_guest[VMPASS_STATE_BUF];
	__u16 to_host[VMPASS_STATE_BUF];
};

/* vmpass_state_buf.flags */
#define VMPASS_STATE_SET_FROZEN		(1U << 0)	/* SET: stay frozen */

/**
 * struct vmpass_state_buf - VMPASS_PORT_GET_STATE, VMPASS_PORT_SET_STATE
 * @size: in: bytes at @data (GET: the room; SET: the state's size);
 *	out (GET): bytes written, or needed if -ENOSPC
 * @version: GET in: 0 (the newest) or the version wanted; out: the version
 *	written. SET in: the version at @data
 * @data: user pointer to the state (struct vmpass_port_state)
 * @flags: VMPASS_STATE_SET_FROZEN (SET only)
 * @reserved: zero
 */
struct vmpass_state_buf {
	__u32 size;
	__u32 version;
	__u64 data;
	__u32 flags;
	__u32 reserved[3];
};

#define VMPASS_PORT_GET_STATE	_IOWR(VMPASS_IOCTL_TYPE, 0x12, struct vmpass_state_buf)
#define VMPASS_PORT_SET_STATE	_IOW(VMPASS_IOCTL_TYPE, 0x13, struct vmpass_state_buf)

#endif /* _UAPI_LINUX_VMPASS_H */
