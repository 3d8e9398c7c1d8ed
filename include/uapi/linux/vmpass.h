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
#define VMPASS_PCI_ABSENT	3	/* named, but no such device now */

/**
 * struct vmpass_pci_dev - one claimed PCI device, in VMPASS_LIST_PCI
 * @domain: PCI domain
 * @bus: bus number
 * @devfn: device and function
 * @vendor: vendor ID
 * @device: device ID
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
	__u16 pad;
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

#endif /* _UAPI_LINUX_VMPASS_H */
