// SPDX-License-Identifier: GPL-2.0
/*
 * mdev_card.c - vmpass COM ports as a mediated PCI serial card (VFIO mdev).
 *
 * The mdev parent "vmpass" (/sys/class/mdev_bus/vmpass) offers cards of 1, 2
 * and 4 ports: types vmpass-1, vmpass-2 and vmpass-4. Unmodified QEMU takes
 * a card with -device vfio-pci,sysfsdev=/sys/bus/mdev/devices/UUID.
 *
 * The guest sees the PCI function of QEMU's own pci-serial, pci-serial-2x
 * and pci-serial-4x (1b36:0002, 0003, 0004; subsystem 1af4:1100): class
 * 0x0700 with prog-if 0x02 (a 16550), one I/O BAR0 of 8 bytes per port and
 * no memory BAR, so that Linux's 8250_pci binds it through its class match
 * and serial_pci_guess_board(), and Windows through QEMU's qemupciserial.inf.
 * Its INTA is the OR of the ports' IRQ outputs: a level interrupt that VFIO
 * automasks on each trigger and that fires again on unmask while still high.
 *
 * Each card port is a vmpass COM port, held by the card from its creation
 * to its removal (vmpass_port_hold()), so that /dev/vmpass cannot attach to
 * it meanwhile. Guest register accesses go through com_port_guest_rep(),
 * the model and glue that /dev/vmpass uses. A reset (VFIO_DEVICE_RESET, the
 * card's open and close) resets every UART and drops the bytes buffered for
 * the guest, so that the next VM never receives them.
 *
 * Which ports: the candidates are the COM ports that have no legacy I/O
 * base when the card is created, in index order, cut into slots of the
 * card's size (a last, shorter slot is left out). A card prefers slot K mod
 * the number of slots, where K is the first 32 bits of its UUID (its first
 * 8 hex digits), and takes the next slot that is wholly free if that one is
 * not. So for given module parameters a card gets the same ports at every
 * creation unless another card holds its preferred slot, and choosing UUIDs
 * (00000000-..., then 00000001-...) chooses slots.
 *
 * Migration (VFIO migration v2, VFIO_MIGRATION_STOP_COPY): STOP freezes the
 * card's ports (com_port_freeze(): no byte moves, no timer runs, no IRQ
 * changes, guest accesses are ignored); STOP_COPY hands out a stream of a
 * card header (struct card_mig_header: the config space, the INTx mask)
 * and one struct vmpass_port_state per port, in BAR0 order; RESUMING takes
 * such a stream, which the move to STOP checks as a whole before it
 * applies any of it (a bad one is -EINVAL and the ERROR state: reset the
 * card); RUNNING thaws the ports. A card that is not RUNNING fires no INTx
 * of its own (a user's SET_IRQS trigger still signals); what became due
 * meanwhile fires when it runs. A load takes back
 * the levels the ports had reported, so a loaded card fires only for the
 * state it was given. A card that resumed a stream with INTx masked
 * signals INTx once more when it runs (or, with INTx Disable set, when the
 * guest clears it): QEMU migrates its line's level but not that it awaits
 * the guest's EOI, so without a new signal its line would stay asserted,
 * and a level-triggered guest would take that interrupt forever. Reset
 * and close go back to RUNNING: a card loaded and not run since drops the
 * stream's bytes, as the destination of a migration that did not complete
 * (its source still has them), and a close after a
 * STOP_COPY, with the card not run since, first hands the ports' buffered
 * bytes over to the stream (card_mig_close()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/device.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <uapi/linux/vmpass.h>

#include "compat.h"
#include "com_port.h"
#include "mdev_card.h"

#define CARD_MAX_PORTS		4
/* A region's offset in the device fd is its index << CARD_OFFSET_SHIFT. */
#define CARD_OFFSET_SHIFT	40
#define CARD_OFFSET_MASK	((1ULL << CARD_OFFSET_SHIFT) - 1)

/**
 * struct card_type - an mdev type: a card of @nr_ports ports
 * @type: the mdev type
 * @nr_ports: ports on the card
 * @device_id: its PCI device ID (QEMU's pci-serial family)
 */
struct card_type {
	struct mdev_type type;
	unsigned int nr_ports;
	u16 device_id;
};

struct mdev_card;
struct card_mig_file;

/**
 * struct card_port - one port of a card, the argument of its guest ops
 * @card: the card
 * @port: the COM port
 * @bit: the port's bit in mdev_card.lines
 */
struct card_port {
	struct mdev_card *card;
	struct vmpass_port *port;
	unsigned int bit;
};

/**
 * struct mdev_card - a card
 * @vdev: the VFIO device
 * @nr_ports: number of ports
 * @device_id: the PCI device ID
 * @ports: the ports, in BAR0 order
 * @line: their interrupt line, INTx (for the RX hold, irq_line.c)
 * @cfg_lock: protects @config and @wmask; taken outside @irq_lock
 * @config: the emulated config space
 * @wmask: the bits of @config that a write changes
 * @irq_mutex: serialises VFIO_DEVICE_SET_IRQS against open and close
 * @irq_lock: protects everything below; taken inside a port's lock
 * @lines: the ports' IRQ outputs, one bit each
 * @masked: INTx is masked (VFIO's automask, or VFIO_IRQ_SET_ACTION_MASK)
 * @intx_disabled: the command register's INTx Disable bit
 * @intx_resignal: a resignal after a resume (card_intx_run()) waits for
 *	the guest to clear INTx Disable
 * @stopped: the card is not RUNNING: INTx fires for nothing until
 *	card_intx_run()
 * @intx_trigger: eventfd signalled when INTx fires
 * @req_trigger: eventfd signalled to ask the user to release the card
 * @unmask: eventfd that unmasks INTx (VFIO_IRQ_SET_ACTION_UNMASK), or NULL;
 *	under @irq_mutex
 * @mig_lock: protects the migration state and files below
 * @mig_state: the VFIO migration state
 * @mig_saved: a STOP_COPY stream was taken, and the card has not run or
 *	resumed since: a close hands its ports' buffers over to the stream
 * @mig_resumed: a stream was loaded, and the card has not run since
 * @mig_save: the STOP_COPY stream handed out, or NULL
 * @mig_resume: the RESUMING stream being written, or NULL
 */
struct mdev_card {
	struct vfio_device vdev;
	unsigned int nr_ports;
	u16 device_id;
	struct card_port ports[CARD_MAX_PORTS];
	struct vmpass_irq_line line;

	struct mutex cfg_lock;	/* see above */
	u8 config[PCI_CFG_SPACE_SIZE];
	u8 wmask[PCI_CFG_SPACE_SIZE];

	struct mutex irq_mutex;	/* see above */
	spinlock_t irq_lock;	/* see above */
	unsigned long lines;
	bool masked;
	bool intx_disabled;
	bool intx_resignal;
	bool stopped;
	struct eventfd_ctx *intx_trigger;
	struct eventfd_ctx *req_trigger;
	struct virqfd *unmask;

	struct mutex mig_lock;	/* see above */
	enum vfio_device_mig_state mig_state;
	bool mig_saved;
	bool mig_resumed;
	struct card_mig_file *mig_save;
	struct card_mig_file *mig_resume;
};

static struct mdev_card *to_card(struct vfio_device *vdev)
{
	return container_of(vdev, struct mdev_card, vdev);
}

static unsigned int card_bar_size(const struct mdev_card *card)
{
	return card->nr_ports * VMPASS_IO_EXTENT;
}

/* Config space. */

static void card_cfg16(struct mdev_card *card, unsigned int off, u16 val, u16 wmask)
{
	card->config[off] = val & 0xff;
	card->config[off + 1] = val >> 8;
	card->wmask[off] = wmask & 0xff;
	card->wmask[off + 1] = wmask >> 8;
}

/* The config space at power-on; under cfg_lock, or before anyone sees it. */
static void card_config_init(struct mdev_card *card)
{
	u16 bar_mask = (u16)(~(card_bar_size(card) - 1) & PCI_BASE_ADDRESS_IO_MASK);

	memset(card->config, 0, sizeof(card->config));
	memset(card->wmask, 0, sizeof(card->wmask));
	card_cfg16(card, PCI_VENDOR_ID, PCI_VENDOR_ID_REDHAT, 0);
	card_cfg16(card, PCI_DEVICE_ID, card->device_id, 0);
	/* No memory BAR and no DMA: Memory Space and Bus Master stay 0. */
	card_cfg16(card, PCI_COMMAND, 0, PCI_COMMAND_IO | PCI_COMMAND_PARITY |
		   PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
	card->config[PCI_REVISION_ID] = 1;
	card->config[PCI_CLASS_PROG] = 0x02;	/* 16550-compatible */
	card_cfg16(card, PCI_CLASS_DEVICE, PCI_CLASS_COMMUNICATION_SERIAL, 0);
	card->config[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
	/* A 16-bit I/O decoder: the upper half of BAR0 reads 0. */
	card_cfg16(card, PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_SPACE_IO, bar_mask);
	card_cfg16(card, PCI_SUBSYSTEM_VENDOR_ID, PCI_SUBVENDOR_ID_REDHAT_QUMRANET, 0);
	card_cfg16(card, PCI_SUBSYSTEM_ID, PCI_SUBDEVICE_ID_QEMU, 0);
	card->config[PCI_INTERRUPT_PIN] = 1;	/* INTA# */
	card->wmask[PCI_INTERRUPT_LINE] = 0xff;
}

/* Under irq_lock: fire INTx if its level is high and it is not masked. */
static void card_intx_update(struct mdev_card *card)
{
	lockdep_assert_held(&card->irq_lock);

	if (card->stopped || !card->lines || card->intx_disabled || card->masked ||
	    !card->intx_trigger)
		return;
	card->masked = true;
	compat_eventfd_signal(card->intx_trigger);
}

/* Under irq_lock: send a resignal held back by INTx Disable, once it may go. */
static void card_intx_resend(struct mdev_card *card)
{
	lockdep_assert_held(&card->irq_lock);

	if (!card->intx_resignal || card->intx_disabled || card->stopped)
		return;
	card->intx_resignal = false;
	if (card->masked && card->intx_trigger)
		compat_eventfd_signal(card->intx_trigger);
}

static bool card_intx_level(struct mdev_card *card)
{
	unsigned long flags;
	bool level;

	spin_lock_irqsave(&card->irq_lock, flags);
	level = card->lines;
	spin_unlock_irqrestore(&card->irq_lock, flags);
	return level;
}

static void card_set_intx_disabled(struct mdev_card *card, bool disabled)
{
	unsigned long flags;

	spin_lock_irqsave(&card->irq_lock, flags);
	card->intx_disabled = disabled;
	card_intx_resend(card);
	card_intx_update(card);
	spin_unlock_irqrestore(&card->irq_lock, flags);
}

static void card_config_access(struct mdev_card *card, unsigned int off, u8 *buf,
			       unsigned int n, bool write)
{
	bool disabled;
	unsigned int i;

	mutex_lock(&card->cfg_lock);
	for (i = 0; i < n; i++) {
		u8 *reg = &card->config[off + i];
		u8 wmask = card->wmask[off + i];

		if (write)
			*reg = (*reg & ~wmask) | (buf[i] & wmask);
		else
			buf[i] = *reg;
	}
	/* Under cfg_lock, so that INTx follows the last command write. */
	disabled = card->config[PCI_COMMAND + 1] & (PCI_COMMAND_INTX_DISABLE >> 8);
	if (write)
		card_set_intx_disabled(card, disabled);
	mutex_unlock(&card->cfg_lock);

	if (!write && off <= PCI_STATUS && PCI_STATUS < off + n && card_intx_level(card))
		buf[PCI_STATUS - off] |= PCI_STATUS_INTERRUPT;
}

/* BAR0: 8 bytes per port, each the registers of one 16550A. */
static void card_bar_access(struct mdev_card *card, unsigned int off, u8 *buf,
			    unsigned int n, bool write)
{
	unsigned int i, o;

	for (i = 0; i < n; i++) {
		o = off + i;
		com_port_guest_rep(card->ports[o / VMPASS_IO_EXTENT].port,
				   o % VMPASS_IO_EXTENT, &buf[i], 1, write);
	}
}

static ssize_t card_access(struct vfio_device *vdev, char __user *ubuf,
			   size_t count, loff_t *ppos, bool write)
{
	struct mdev_card *card = to_card(vdev);
	u64 pos = *ppos, off = pos & CARD_OFFSET_MASK, size;
	u8 buf[PCI_CFG_SPACE_SIZE];

	switch (pos >> CARD_OFFSET_SHIFT) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		size = PCI_CFG_SPACE_SIZE;
		break;
	case VFIO_PCI_BAR0_REGION_INDEX:
		size = card_bar_size(card);
		break;
	default:
		return -EINVAL;
	}
	if (off >= size || count > size - off)
		return -EINVAL;
	if (write && copy_from_user(buf, ubuf, count))
		return -EFAULT;
	if (pos >> CARD_OFFSET_SHIFT == VFIO_PCI_CONFIG_REGION_INDEX)
		card_config_access(card, off, buf, count, write);
	else
		card_bar_access(card, off, buf, count, write);
	if (!write && copy_to_user(ubuf, buf, count))
		return -EFAULT;
	*ppos += count;
	return count;
}

static ssize_t card_read(struct vfio_device *vdev, char __user *ubuf,
			 size_t count, loff_t *ppos)
{
	return card_access(vdev, ubuf, count, ppos, false);
}

static ssize_t card_write(struct vfio_device *vdev, const char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	return card_access(vdev, (char __user *)ubuf, count, ppos, true);
}

/* Interrupts. */

static void card_port_irq_changed(void *data, bool level)
{
	struct card_port *cp = data;
	struct mdev_card *card = cp->card;

	/* Under the port's lock, with interrupts off. */
	spin_lock(&card->irq_lock);
	if (level)
		__set_bit(cp->bit, &card->lines);
	else
		__clear_bit(cp->bit, &card->lines);
	card_intx_update(card);
	spin_unlock(&card->irq_lock);
}

static const struct vmpass_guest_ops card_guest_ops = {
	.irq_changed = card_port_irq_changed,
};

static void card_intx_mask(struct mdev_card *card, bool masked)
{
	unsigned long flags;

	spin_lock_irqsave(&card->irq_lock, flags);
	card->masked = masked;
	if (!masked)	/* the signal a resignal would repeat is answered */
		card->intx_resignal = false;
	card_intx_update(card);
	spin_unlock_irqrestore(&card->irq_lock, flags);
}

/* The unmask eventfd's work; never in the eventfd's own wakeup. */
static void card_intx_unmask_thread(void *opaque, void *unused)
{
	card_intx_mask(opaque, false);
}

/* Loopback: VFIO_IRQ_SET_DATA_NONE or _BOOL on a trigger. */
static void card_signal(struct mdev_card *card, struct eventfd_ctx **trigger)
{
	unsigned long flags;

	spin_lock_irqsave(&card->irq_lock, flags);
	if (*trigger)
		compat_eventfd_signal(*trigger);
	spin_unlock_irqrestore(&card->irq_lock, flags);
}

/* Under irq_mutex: replace a trigger by the eventfd @fd, or none for -1. */
static int card_set_trigger(struct mdev_card *card, struct eventfd_ctx **trigger, int fd)
{
	struct eventfd_ctx *ctx = NULL, *old;
	unsigned long flags;

	if (fd >= 0) {
		ctx = eventfd_ctx_fdget(fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	} else if (fd != -1) {
		return -EINVAL;
	}
	spin_lock_irqsave(&card->irq_lock, flags);
	old = *trigger;
	*trigger = ctx;
	if (trigger == &card->intx_trigger) {
		/* Enabling or disabling INTx unmasks it; a new eventfd does not. */
		if (!old || !ctx) {
			card->masked = false;
			card->intx_resignal = false;
		}
		card_intx_update(card);
	}
	spin_unlock_irqrestore(&card->irq_lock, flags);
	if (old)
		eventfd_ctx_put(old);
	return 0;
}

/* Under irq_mutex. */
static int card_set_unmask_fd(struct mdev_card *card, int fd)
{
	if (fd < -1)
		return -EINVAL;
	vfio_virqfd_disable(&card->unmask);
	if (fd == -1)
		return 0;
	return vfio_virqfd_enable(card, NULL, card_intx_unmask_thread, NULL,
				  &card->unmask, fd);
}

static void card_intx_disable(struct mdev_card *card)
{
	vfio_virqfd_disable(&card->unmask);
	card_set_trigger(card, &card->intx_trigger, -1);
}

static int card_set_intx(struct mdev_card *card, u32 flags, u32 count, const u8 *data)
{
	u32 action = flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	u32 type = flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	bool yes;

	if (action == VFIO_IRQ_SET_ACTION_TRIGGER && type == VFIO_IRQ_SET_DATA_NONE &&
	    !count) {
		card_intx_disable(card);
		return 0;
	}
	if (count != 1)
		return -EINVAL;
	yes = type == VFIO_IRQ_SET_DATA_NONE || (type == VFIO_IRQ_SET_DATA_BOOL && *data);

	switch (action) {
	case VFIO_IRQ_SET_ACTION_MASK:
		if (type == VFIO_IRQ_SET_DATA_EVENTFD)
			return -EINVAL;
		if (yes)
			card_intx_mask(card, true);
		return 0;
	case VFIO_IRQ_SET_ACTION_UNMASK:
		if (type == VFIO_IRQ_SET_DATA_EVENTFD)
			return card_set_unmask_fd(card, *(const s32 *)data);
		if (yes)
			card_intx_mask(card, false);
		return 0;
	case VFIO_IRQ_SET_ACTION_TRIGGER:
		/* No trigger is no INTx, as with DATA_NONE and no count. */
		if (type == VFIO_IRQ_SET_DATA_EVENTFD && *(const s32 *)data == -1) {
			card_intx_disable(card);
			return 0;
		}
		if (type == VFIO_IRQ_SET_DATA_EVENTFD)
			return card_set_trigger(card, &card->intx_trigger, *(const s32 *)data);
		if (yes)
			card_signal(card, &card->intx_trigger);
		return 0;
	}
	return -EINVAL;
}

static int card_set_req(struct mdev_card *card, u32 flags, u32 count, const u8 *data)
{
	u32 type = flags & VFIO_IRQ_SET_DATA_TYPE_MASK;

	if ((flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) != VFIO_IRQ_SET_ACTION_TRIGGER)
		return -EINVAL;
	if (type == VFIO_IRQ_SET_DATA_NONE && !count)
		return card_set_trigger(card, &card->req_trigger, -1);
	if (count != 1)
		return -EINVAL;
	if (type == VFIO_IRQ_SET_DATA_EVENTFD)
		return card_set_trigger(card, &card->req_trigger, *(const s32 *)data);
	if (type == VFIO_IRQ_SET_DATA_NONE || *data)
		card_signal(card, &card->req_trigger);
	return 0;
}

static unsigned int card_irq_count(unsigned int index)
{
	return index == VFIO_PCI_INTX_IRQ_INDEX || index == VFIO_PCI_REQ_IRQ_INDEX;
}

static long card_set_irqs(struct mdev_card *card, void __user *uarg)
{
	size_t minsz = offsetofend(struct vfio_irq_set, count), data_size = 0;
	struct vfio_irq_set hdr;
	u8 *data = NULL;
	int ret;

	if (copy_from_user(&hdr, uarg, minsz))
		return -EFAULT;
	ret = vfio_set_irqs_validate_and_prepare(&hdr, card_irq_count(hdr.index),
						 VFIO_PCI_NUM_IRQS, &data_size);
	if (ret)
		return ret;
	if (data_size) {
		data = memdup_user(uarg + minsz, data_size);
		if (IS_ERR(data))
			return PTR_ERR(data);
	}

	mutex_lock(&card->irq_mutex);
	if (hdr.index == VFIO_PCI_INTX_IRQ_INDEX)
		ret = card_set_intx(card, hdr.flags, hdr.count, data);
	else
		ret = card_set_req(card, hdr.flags, hdr.count, data);
	mutex_unlock(&card->irq_mutex);
	kfree(data);
	return ret;
}

/* Ask the user to release the card: VFIO calls this while a remove waits. */
static void card_request(struct vfio_device *vdev, unsigned int count)
{
	struct mdev_card *card = to_card(vdev);
	unsigned long flags;
	bool sent = false;

	spin_lock_irqsave(&card->irq_lock, flags);
	if (card->req_trigger) {
		compat_eventfd_signal(card->req_trigger);
		sent = true;
	}
	spin_unlock_irqrestore(&card->irq_lock, flags);
	if (sent)
		dev_notice_ratelimited(vdev->dev, "asking the user to release the card (request %u)\n",
				       count);
	else if (!count)
		dev_notice(vdev->dev, "the user has no request channel: the removal waits until it closes the card\n");
}

/* Reset, open and close. */

static void card_mig_reset(struct mdev_card *card);
static void card_mig_close(struct mdev_card *card);

/* Under mig_lock, so that no migration step comes between its parts. */
static void card_reset(struct mdev_card *card)
{
	unsigned long flags;
	unsigned int i;

	mutex_lock(&card->mig_lock);
	card_mig_reset(card);
	for (i = 0; i < card->nr_ports; i++)
		vmpass_port_reset(card->ports[i].port);
	mutex_lock(&card->cfg_lock);
	card_config_init(card);
	spin_lock_irqsave(&card->irq_lock, flags);
	card->intx_disabled = false;
	card->masked = false;
	card->intx_resignal = false;
	card->stopped = false;
	card_intx_update(card);
	spin_unlock_irqrestore(&card->irq_lock, flags);
	mutex_unlock(&card->cfg_lock);
	mutex_unlock(&card->mig_lock);
}

static int card_open(struct vfio_device *vdev)
{
	struct mdev_card *card = to_card(vdev);

	card_reset(card);
	return 0;
}

static void card_close(struct vfio_device *vdev)
{
	struct mdev_card *card = to_card(vdev);

	mutex_lock(&card->irq_mutex);
	card_intx_disable(card);
	card_set_trigger(card, &card->req_trigger, -1);
	mutex_unlock(&card->irq_mutex);
	card_mig_close(card);
	card_reset(card);
}

/* Information ioctls. */

static long card_get_info(void __user *uarg)
{
	size_t minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	if (copy_from_user(&info, uarg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = VFIO_PCI_NUM_REGIONS;
	info.num_irqs = VFIO_PCI_NUM_IRQS;
	return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
}

/* The regions: config space and BAR0; the others are empty. */
static int card_region_info(struct vfio_device *vdev, struct vfio_region_info *info,
			    struct vfio_info_cap *caps)
{
	struct mdev_card *card = to_card(vdev);

	if (info->index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	info->offset = (u64)info->index << CARD_OFFSET_SHIFT;
	info->flags = 0;
	info->size = 0;
	if (info->index == VFIO_PCI_CONFIG_REGION_INDEX)
		info->size = PCI_CFG_SPACE_SIZE;
	else if (info->index == VFIO_PCI_BAR0_REGION_INDEX)
		info->size = card_bar_size(card);
	if (info->size)
		info->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	return 0;
}

/* VFIO_DEVICE_GET_REGION_INFO, where the VFIO core leaves it to ->ioctl. */
static long card_get_region_info(struct vfio_device *vdev, void __user *uarg)
{
	size_t minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_region_info info;
	int ret;

	if (copy_from_user(&info, uarg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	ret = card_region_info(vdev, &info, NULL);
	if (ret)
		return ret;
	return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
}

static long card_get_irq_info(void __user *uarg)
{
	size_t minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	if (copy_from_user(&info, uarg, minsz))
		return -EFAULT;
	/* No error reporting: a conventional PCI function has no AER. */
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS ||
	    info.index == VFIO_PCI_ERR_IRQ_INDEX)
		return -EINVAL;
	info.count = card_irq_count(info.index);
	info.flags = 0;
	if (info.index == VFIO_PCI_INTX_IRQ_INDEX)
		info.flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
			     VFIO_IRQ_INFO_AUTOMASKED;
	else if (info.index == VFIO_PCI_REQ_IRQ_INDEX)
		info.flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE;
	return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
}

static long card_ioctl(struct vfio_device *vdev, unsigned int cmd, unsigned long arg)
{
	struct mdev_card *card = to_card(vdev);
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return card_get_info(uarg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return card_get_region_info(vdev, uarg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return card_get_irq_info(uarg);
	case VFIO_DEVICE_SET_IRQS:
		return card_set_irqs(card, uarg);
	case VFIO_DEVICE_RESET:
		card_reset(card);
		return 0;
	}
	return -ENOTTY;
}

static void card_release(struct vfio_device *vdev)
{
	struct mdev_card *card = to_card(vdev);

	/* Its ports have left the line (card_release_ports()). */
	vmpass_irq_line_stop(&card->line);
	mutex_destroy(&card->mig_lock);
	mutex_destroy(&card->irq_mutex);
	mutex_destroy(&card->cfg_lock);
	compat_vfio_release_done(vdev);
}

static const struct vfio_device_ops card_vfio_ops = {
	.name = "vmpass-card",
	.release = card_release,
	.open_device = card_open,
	.close_device = card_close,
	.read = card_read,
	.write = card_write,
	.ioctl = card_ioctl,
	COMPAT_VFIO_CARD_REGION_INFO_OP
	.request = card_request,
	COMPAT_VFIO_IOMMUFD_EMULATED_OPS
};

/*
 * Migration: see the top of this file. The stream is a card header, then
 * one struct vmpass_port_state per port. Version 1: the header below with
 * port states of VMPASS_PORT_STATE_VERSION 1. A module accepts the
 * versions it knows and refuses the rest; a change in what a port's or the
 * card's state means (a new field, or a new meaning of one) is a new
 * version.
 */
#define CARD_MIG_MAGIC		0x434d5056	/* "VPMC" */
#define CARD_MIG_VERSION	1
#define CARD_MIG_INTX_MASKED	BIT(0)

/**
 * struct card_mig_header - the card's part of the migration stream
 * @magic: CARD_MIG_MAGIC
 * @version: CARD_MIG_VERSION
 * @nr_ports: port states that follow; the card's number of ports
 * @port_state_size: the size of each
 * @flags: CARD_MIG_*
 * @reserved: zero
 * @config: the config space (only its writable bits are restored)
 */
struct card_mig_header {
	__le32 magic;
	__le32 version;
	__le32 nr_ports;
	__le32 port_state_size;
	__le32 flags;
	__le32 reserved[3];
	u8 config[PCI_CFG_SPACE_SIZE];
};

/**
 * struct card_mig_file - a migration stream, behind its file
 * @filp: the file
 * @lock: serialises reads and writes against the end of the state
 * @disabled: the card left the state the stream belongs to
 * @len: bytes in @buf: the stream (STOP_COPY), or written so far (RESUMING)
 * @size: the size of @buf: a whole stream
 * @buf: the stream
 */
struct card_mig_file {
	struct file *filp;
	struct mutex lock;	/* see above */
	bool disabled;
	size_t len;
	size_t size;
	u8 *buf;
};

static size_t card_mig_size(const struct mdev_card *card)
{
	return sizeof(struct card_mig_header) +
	       card->nr_ports * sizeof(struct vmpass_port_state);
}

static int card_mig_release(struct inode *inode, struct file *filp)
{
	struct card_mig_file *mf = filp->private_data;

	mutex_destroy(&mf->lock);
	kvfree(mf->buf);
	kfree(mf);
	return 0;
}

static ssize_t card_mig_read(struct file *filp, char __user *ubuf, size_t n, loff_t *pos)
{
	struct card_mig_file *mf = filp->private_data;
	ssize_t ret;

	if (pos)
		return -ESPIPE;
	pos = &filp->f_pos;
	mutex_lock(&mf->lock);
	ret = -ENODEV;
	if (!mf->disabled)
		ret = simple_read_from_buffer(ubuf, n, pos, mf->buf, mf->len);
	mutex_unlock(&mf->lock);
	return ret;
}

static ssize_t card_mig_write(struct file *filp, const char __user *ubuf, size_t n,
			      loff_t *pos)
{
	struct card_mig_file *mf = filp->private_data;
	ssize_t ret;

	if (pos)
		return -ESPIPE;
	pos = &filp->f_pos;
	mutex_lock(&mf->lock);
	ret = -ENODEV;
	if (mf->disabled)
		goto out;
	ret = -EINVAL;	/* more than a whole stream */
	if (n > mf->size - mf->len) {
		pr_err_ratelimited("migration stream refused: more than its %zu bytes\n",
				   mf->size);
		goto out;
	}
	ret = -EFAULT;
	if (copy_from_user(mf->buf + mf->len, ubuf, n))
		goto out;
	mf->len += n;
	*pos += n;
	ret = n;
out:
	mutex_unlock(&mf->lock);
	return ret;
}

static const struct file_operations card_mig_fops = {
	.owner = THIS_MODULE,
	.read = card_mig_read,
	.write = card_mig_write,
	.release = card_mig_release,
	.llseek = noop_llseek,
};

/* A stream file of @size bytes; the card keeps a reference to it. */
static struct card_mig_file *card_mig_file_new(size_t size, int mode)
{
	struct card_mig_file *mf;
	int ret = -ENOMEM;

	mf = kzalloc(sizeof(*mf), GFP_KERNEL);
	if (!mf)
		return ERR_PTR(-ENOMEM);
	mf->buf = kvzalloc(size, GFP_KERNEL);
	if (!mf->buf)
		goto err_free;
	mf->size = size;
	mutex_init(&mf->lock);
	mf->filp = anon_inode_getfile("[vmpass-card-migration]", &card_mig_fops, mf, mode);
	if (IS_ERR(mf->filp)) {
		ret = PTR_ERR(mf->filp);
		goto err_buf;
	}
	stream_open(mf->filp->f_inode, mf->filp);
	get_file(mf->filp);	/* the card's; the other goes to the user */
	return mf;

err_buf:
	mutex_destroy(&mf->lock);
	kvfree(mf->buf);
err_free:
	kfree(mf);
	return ERR_PTR(ret);
}

/* The card leaves the stream's state: reads and writes fail from now on. */
static void card_mig_file_end(struct card_mig_file **mfp)
{
	struct card_mig_file *mf = *mfp;

	if (!mf)
		return;
	mutex_lock(&mf->lock);
	mf->disabled = true;
	mutex_unlock(&mf->lock);
	fput(mf->filp);
	*mfp = NULL;
}

/* STOP to STOP_COPY: the ports are frozen, so the stream is one instant. */
static void card_mig_save(struct mdev_card *card, u8 *buf)
{
	struct card_mig_header *h = (struct card_mig_header *)buf;
	struct vmpass_port_state *st = (struct vmpass_port_state *)(h + 1);
	unsigned long flags;
	unsigned int i;

	BUILD_BUG_ON(sizeof(*h) % 8);
	h->magic = cpu_to_le32(CARD_MIG_MAGIC);
	h->version = cpu_to_le32(CARD_MIG_VERSION);
	h->nr_ports = cpu_to_le32(card->nr_ports);
	h->port_state_size = cpu_to_le32(sizeof(*st));
	mutex_lock(&card->cfg_lock);
	memcpy(h->config, card->config, sizeof(h->config));
	spin_lock_irqsave(&card->irq_lock, flags);
	if (card->masked)
		h->flags |= cpu_to_le32(CARD_MIG_INTX_MASKED);
	spin_unlock_irqrestore(&card->irq_lock, flags);
	mutex_unlock(&card->cfg_lock);
	for (i = 0; i < card->nr_ports; i++)
		com_port_get_state(card->ports[i].port, &st[i]);
}

/* RESUMING to STOP: all of the stream is checked before any is applied. */
static int card_mig_load(struct mdev_card *card, struct card_mig_file *mf)
{
	struct card_mig_header *h = (struct card_mig_header *)mf->buf;
	struct vmpass_port_state *st = (struct vmpass_port_state *)(h + 1);
	struct device *dev = card->vdev.dev;
	unsigned long flags;
	unsigned int i;
	bool disabled;
	int ret;

	mutex_lock(&mf->lock);
	mf->disabled = true;	/* no write from now on */
	mutex_unlock(&mf->lock);
	if (mf->len != mf->size) {
		dev_err(dev, "migration stream of %zu bytes, %zu expected\n", mf->len, mf->size);
		return -EINVAL;
	}
	if (le32_to_cpu(h->magic) != CARD_MIG_MAGIC ||
	    le32_to_cpu(h->version) != CARD_MIG_VERSION ||
	    le32_to_cpu(h->nr_ports) != card->nr_ports ||
	    le32_to_cpu(h->port_state_size) != sizeof(*st) ||
	    (le32_to_cpu(h->flags) & ~CARD_MIG_INTX_MASKED) ||
	    memchr_inv(h->reserved, 0, sizeof(h->reserved))) {
		dev_err(dev, "migration stream refused: not a version %u stream of a %u-port card\n",
			CARD_MIG_VERSION, card->nr_ports);
		return -EINVAL;
	}
	for (i = 0; i < card->nr_ports; i++) {
		ret = com_port_check_state(card->ports[i].port, &st[i]);
		if (ret)
			return ret;
	}

	/*
	 * The ports first: each load takes back the level its port reported
	 * (com_port_set_state()), so no line of the card is left high from
	 * before and INTx fires for none. Clearing lines never signals.
	 */
	for (i = 0; i < card->nr_ports; i++) {
		ret = com_port_set_state(card->ports[i].port, &st[i], true);
		if (ret)	/* checked above; the card holds its ports */
			return ret;
	}

	mutex_lock(&card->cfg_lock);
	for (i = 0; i < PCI_CFG_SPACE_SIZE; i++)
		card->config[i] = (card->config[i] & ~card->wmask[i]) |
				  (h->config[i] & card->wmask[i]);
	disabled = card->config[PCI_COMMAND + 1] & (PCI_COMMAND_INTX_DISABLE >> 8);
	spin_lock_irqsave(&card->irq_lock, flags);
	card->masked = le32_to_cpu(h->flags) & CARD_MIG_INTX_MASKED;
	card->intx_resignal = false;
	spin_unlock_irqrestore(&card->irq_lock, flags);
	card_set_intx_disabled(card, disabled);
	mutex_unlock(&card->cfg_lock);
	return 0;
}

/* RUNNING to STOP: INTx fires for nothing until card_intx_run(). */
static void card_intx_stop(struct mdev_card *card)
{
	unsigned long flags;

	spin_lock_irqsave(&card->irq_lock, flags);
	card->stopped = true;
	spin_unlock_irqrestore(&card->irq_lock, flags);
}

/*
 * STOP to RUNNING: INTx fires if it became due while the card was stopped.
 * After a resume (@resumed), a masked INTx is one the source's user had
 * been signalled for and not yet unmasked. QEMU carries the level of its
 * line, but not that it waits for the guest's EOI, so it would leave that
 * line asserted for good; a new signal makes it wait again, and the
 * guest's next BAR access deasserts and unmasks as usual. At worst (the
 * user had not seen the old signal, or the ports have gone quiet) the
 * guest sees one interrupt with nothing pending. With INTx Disable set the
 * card signals nothing (a VMM may route the eventfd straight into its
 * interrupt controller): the signal waits until the guest clears the bit,
 * which is when QEMU asserts the line again (card_set_intx_disabled()).
 */
static void card_intx_run(struct mdev_card *card, bool resumed)
{
	unsigned long flags;

	spin_lock_irqsave(&card->irq_lock, flags);
	card->stopped = false;
	if (resumed && card->masked && card->intx_trigger)
		card->intx_resignal = true;
	card_intx_resend(card);
	card_intx_update(card);
	spin_unlock_irqrestore(&card->irq_lock, flags);
}

/* One arc of the state machine (vfio_mig_get_next_state() picks them). */
static struct file *card_mig_step(struct mdev_card *card, enum vfio_device_mig_state next)
{
	enum vfio_device_mig_state cur = card->mig_state;
	struct card_mig_file *mf;
	unsigned int i;
	int ret;

	lockdep_assert_held(&card->mig_lock);
	if (cur == VFIO_DEVICE_STATE_RUNNING && next == VFIO_DEVICE_STATE_STOP) {
		card_intx_stop(card);
		for (i = 0; i < card->nr_ports; i++)
			com_port_freeze(card->ports[i].port);
		return NULL;
	}
	if (cur == VFIO_DEVICE_STATE_STOP && next == VFIO_DEVICE_STATE_RUNNING) {
		card->mig_saved = false;
		/* The thaws' edges are seen by the run, which fires once. */
		for (i = 0; i < card->nr_ports; i++)
			com_port_thaw(card->ports[i].port);
		card_intx_run(card, card->mig_resumed);
		card->mig_resumed = false;
		return NULL;
	}
	if (cur == VFIO_DEVICE_STATE_STOP && next == VFIO_DEVICE_STATE_STOP_COPY) {
		mf = card_mig_file_new(card_mig_size(card), O_RDONLY);
		if (IS_ERR(mf))
			return ERR_CAST(mf);
		card_mig_save(card, mf->buf);
		mf->len = mf->size;
		card->mig_save = mf;
		card->mig_saved = true;
		return mf->filp;
	}
	if (cur == VFIO_DEVICE_STATE_STOP_COPY && next == VFIO_DEVICE_STATE_STOP) {
		card_mig_file_end(&card->mig_save);
		return NULL;
	}
	if (cur == VFIO_DEVICE_STATE_STOP && next == VFIO_DEVICE_STATE_RESUMING) {
		mf = card_mig_file_new(card_mig_size(card), O_WRONLY);
		if (IS_ERR(mf))
			return ERR_CAST(mf);
		card->mig_resume = mf;
		card->mig_saved = false;
		return mf->filp;
	}
	if (cur == VFIO_DEVICE_STATE_RESUMING && next == VFIO_DEVICE_STATE_STOP) {
		ret = card_mig_load(card, card->mig_resume);
		card_mig_file_end(&card->mig_resume);
		if (!ret)
			card->mig_resumed = true;
		return ret ? ERR_PTR(ret) : NULL;
	}
	return ERR_PTR(-EINVAL);
}

static struct file *card_mig_set_state(struct vfio_device *vdev,
				       enum vfio_device_mig_state new_state)
{
	struct mdev_card *card = to_card(vdev);
	enum vfio_device_mig_state next;
	struct file *res = NULL;
	int ret;

	mutex_lock(&card->mig_lock);
	while (card->mig_state != new_state) {
		ret = vfio_mig_get_next_state(vdev, card->mig_state, new_state, &next);
		if (ret) {
			res = ERR_PTR(ret);
			break;
		}
		res = card_mig_step(card, next);
		if (IS_ERR(res)) {
			/* A stream refused leaves the card to be reset. */
			if (card->mig_state == VFIO_DEVICE_STATE_RESUMING)
				card->mig_state = VFIO_DEVICE_STATE_ERROR;
			break;
		}
		card->mig_state = next;
		if (res && next != new_state) {	/* a stream only at the end */
			fput(res);
			res = ERR_PTR(-EINVAL);
			break;
		}
	}
	mutex_unlock(&card->mig_lock);
	return res;
}

static int card_mig_get_state(struct vfio_device *vdev,
			      enum vfio_device_mig_state *curr_state)
{
	struct mdev_card *card = to_card(vdev);

	mutex_lock(&card->mig_lock);
	*curr_state = card->mig_state;
	mutex_unlock(&card->mig_lock);
	return 0;
}

static int __maybe_unused card_mig_get_data_size(struct vfio_device *vdev,
						 unsigned long *stop_copy_length)
{
	*stop_copy_length = card_mig_size(to_card(vdev));
	return 0;
}

static const struct vfio_migration_ops card_mig_ops = {
	.migration_set_state = card_mig_set_state,
	.migration_get_state = card_mig_get_state,
	COMPAT_VFIO_CARD_MIG_DATA_SIZE_OP
};

/*
 * Reset and close, under mig_lock: back to RUNNING, the streams ended, the
 * ports running. A card that took a stream and has not run since is taken
 * for the destination of a migration that did not complete, whose source
 * goes on with the stream's buffered bytes: they are dropped here
 * (com_port_drop_state()) rather than delivered twice. (If the source was
 * closed after a migration that did complete, they are lost: the card
 * cannot tell the two apart.) INTx stays stopped; card_reset() runs it.
 */
static void card_mig_reset(struct mdev_card *card)
{
	unsigned int i;

	lockdep_assert_held(&card->mig_lock);
	card_mig_file_end(&card->mig_save);
	card_mig_file_end(&card->mig_resume);
	if (card->mig_state != VFIO_DEVICE_STATE_RUNNING)
		for (i = 0; i < card->nr_ports; i++) {
			if (card->mig_resumed)
				com_port_drop_state(card->ports[i].port);
			else
				com_port_thaw(card->ports[i].port);
		}
	card->mig_state = VFIO_DEVICE_STATE_RUNNING;
	card->mig_saved = false;
	card->mig_resumed = false;
}

/*
 * Close after a STOP_COPY, the card not run again: the stream took the
 * ports' state, and the guest is gone, as after a GET and a detach on
 * /dev/vmpass. The bytes buffered in the ports are the stream's, so they
 * are dropped rather than delivered (again) to the old host ends, whose
 * writers wait until a guest runs on the port again.
 */
static void card_mig_close(struct mdev_card *card)
{
	unsigned int i;

	mutex_lock(&card->mig_lock);
	if (card->mig_saved && card->mig_state != VFIO_DEVICE_STATE_RUNNING)
		for (i = 0; i < card->nr_ports; i++)
			com_port_hand_over(card->ports[i].port);
	mutex_unlock(&card->mig_lock);
}

/* Which ports: see the top of this file. */

/* Under vmpass_identity_lock: the ports without an I/O base, in order. */
static unsigned int card_candidates(u8 *index)
{
	unsigned int i, n = 0;

	lockdep_assert_held(&vmpass_identity_lock);
	for (i = 0; i < vmpass_nr_ports; i++)
		if (!vmpass_ports[i].iobase)
			index[n++] = i;
	return n;
}

static bool card_slot_free(const u8 *slot, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (READ_ONCE(vmpass_ports[slot[i]].guest_ops))
			return false;
	return true;
}

/* Under vmpass_identity_lock: hold the ports of @slot, all or none. */
static int card_hold_slot(struct mdev_card *card, const u8 *slot)
{
	unsigned int i;

	if (!card_slot_free(slot, card->nr_ports))
		return -EBUSY;
	for (i = 0; i < card->nr_ports; i++) {
		struct card_port *cp = &card->ports[i];

		cp->card = card;
		cp->bit = i;
		cp->port = &vmpass_ports[slot[i]];
		if (vmpass_port_hold(cp->port, dev_name(card->vdev.dev),
				     &card_guest_ops, cp, &card->line, i))
			goto err_release;
	}
	return 0;

err_release:
	while (i--)
		vmpass_port_detach(card->ports[i].port);
	return -EBUSY;
}

static int card_hold_ports(struct mdev_card *card, const guid_t *uuid)
{
	unsigned int nr = card->nr_ports, nr_cand, nr_slots, first, i;
	u8 cand[VMPASS_MAX_PORTS];
	u32 key;
	int ret = -ENOSPC;

	/* The first 8 hex digits of the UUID, as mdev prints it (%pUl). */
	key = (u32)uuid->b[3] << 24 | uuid->b[2] << 16 | uuid->b[1] << 8 | uuid->b[0];

	mutex_lock(&vmpass_identity_lock);
	nr_cand = card_candidates(cand);
	nr_slots = nr_cand / nr;
	first = nr_slots ? key % nr_slots : 0;
	for (i = 0; i < nr_slots && ret; i++)
		if (!card_hold_slot(card, cand + ((first + i) % nr_slots) * nr))
			ret = 0;
	mutex_unlock(&vmpass_identity_lock);

	if (ret && nr_slots)
		pr_err("%s: no free slot for a %u-port card: other cards or VMMs hold all %u %u-port slots of the COM ports without an I/O base\n",
		       dev_name(card->vdev.dev), nr, nr_slots, nr);
	else if (ret)
		pr_err("%s: a %u-port card needs that many COM ports without an I/O base, and there are %u (see nr_ports= and io=)\n",
		       dev_name(card->vdev.dev), nr, nr_cand);
	return ret;
}

static void card_release_ports(struct mdev_card *card)
{
	unsigned int i;

	for (i = 0; i < card->nr_ports; i++) {
		vmpass_port_reset(card->ports[i].port);
		vmpass_port_detach(card->ports[i].port);
	}
}

/* The mdev driver. */

static int card_probe(struct mdev_device *mdev)
{
	const struct card_type *type = container_of(mdev->type, struct card_type, type);
	struct mdev_card *card;
	int ret;

	card = vfio_alloc_device(mdev_card, vdev, &mdev->dev, &card_vfio_ops);
	if (IS_ERR(card))
		return PTR_ERR(card);
	card->nr_ports = type->nr_ports;
	card->device_id = type->device_id;
	mutex_init(&card->cfg_lock);
	mutex_init(&card->irq_mutex);
	mutex_init(&card->mig_lock);
	spin_lock_init(&card->irq_lock);
	BUILD_BUG_ON(CARD_MAX_PORTS > VMPASS_LINE_PORTS);
	vmpass_irq_line_init(&card->line);
	card_config_init(card);
	card->mig_state = VFIO_DEVICE_STATE_RUNNING;
	card->vdev.migration_flags = VFIO_MIGRATION_STOP_COPY;
	card->vdev.mig_ops = &card_mig_ops;
	dev_set_drvdata(&mdev->dev, card);

	ret = card_hold_ports(card, &mdev->uuid);
	if (ret)
		goto err_put;
	ret = vfio_register_emulated_iommu_dev(&card->vdev);
	if (ret)
		goto err_ports;
	/* rmmod waits for no card: it is refused while one exists. */
	__module_get(THIS_MODULE);
	return 0;

err_ports:
	card_release_ports(card);
err_put:
	vfio_put_device(&card->vdev);
	return ret;
}

static void card_remove(struct mdev_device *mdev)
{
	struct mdev_card *card = dev_get_drvdata(&mdev->dev);

	/* Waits for the user to close the card, calling card_request(). */
	vfio_unregister_group_dev(&card->vdev);
	card_release_ports(card);
	vfio_put_device(&card->vdev);
	module_put(THIS_MODULE);
}

static unsigned int card_get_available(struct mdev_type *mtype)
{
	const struct card_type *type = container_of(mtype, struct card_type, type);
	unsigned int nr = type->nr_ports, nr_slots, i, free = 0;
	u8 cand[VMPASS_MAX_PORTS];

	mutex_lock(&vmpass_identity_lock);
	nr_slots = card_candidates(cand) / nr;
	for (i = 0; i < nr_slots; i++)
		free += card_slot_free(cand + i * nr, nr);
	mutex_unlock(&vmpass_identity_lock);
	return free;
}

static ssize_t card_show_description(struct mdev_type *mtype, char *buf)
{
	const struct card_type *type = container_of(mtype, struct card_type, type);

	return sysfs_emit(buf, "%u x 16550A on COM ports without an I/O base, PCI %04x:%04x\n",
			  type->nr_ports, PCI_VENDOR_ID_REDHAT, type->device_id);
}

/* /sys/bus/mdev/devices/UUID/vmpass/ports: the card's ttys, in BAR0 order. */
static ssize_t ports_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct mdev_card *card = dev_get_drvdata(dev);
	unsigned int i;
	int len = 0;

	for (i = 0; i < card->nr_ports; i++)
		len += sysfs_emit_at(buf, len, "%sttyVCOM%u", i ? " " : "",
				     card->ports[i].port->index);
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}
static DEVICE_ATTR_RO(ports);

static struct attribute *card_attrs[] = {
	&dev_attr_ports.attr,
	NULL
};

static const struct attribute_group card_group = {
	.name = "vmpass",
	.attrs = card_attrs,
};

static const struct attribute_group *card_groups[] = {
	&card_group,
	NULL
};

static struct mdev_driver card_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.driver = {
		.name = "vmpass",
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
		.dev_groups = card_groups,
	},
	.probe = card_probe,
	.remove = card_remove,
	.get_available = card_get_available,
	.show_description = card_show_description,
};

/* The types' sysfs names are vmpass-1, vmpass-2 and vmpass-4. */
static struct card_type card_types[] = {
	{ .type = { .sysfs_name = "1", .pretty_name = "vmpass 1-port 16550A PCI card" },
	  .nr_ports = 1, .device_id = 0x0002 },
	{ .type = { .sysfs_name = "2", .pretty_name = "vmpass 2-port 16550A PCI card" },
	  .nr_ports = 2, .device_id = 0x0003 },
	{ .type = { .sysfs_name = "4", .pretty_name = "vmpass 4-port 16550A PCI card" },
	  .nr_ports = 4, .device_id = 0x0004 },
};

static struct mdev_type *card_mdev_types[] = {
	&card_types[0].type,
	&card_types[1].type,
	&card_types[2].type,
};

/* The parent: /sys/class/vmpass/vmpass, whose class names the types. */
static struct class card_class = {
	.name = "vmpass",
};

static struct device *card_parent_dev;
static struct mdev_parent card_parent;

int mdev_card_register(void)
{
	int ret;

	ret = mdev_register_driver(&card_driver);
	if (ret)
		return ret;
	ret = class_register(&card_class);
	if (ret)
		goto err_driver;
	card_parent_dev = device_create(&card_class, NULL, MKDEV(0, 0), NULL, "vmpass");
	if (IS_ERR(card_parent_dev)) {
		ret = PTR_ERR(card_parent_dev);
		goto err_class;
	}
	ret = mdev_register_parent(&card_parent, card_parent_dev, &card_driver,
				   card_mdev_types, ARRAY_SIZE(card_mdev_types));
	if (ret)
		goto err_device;
	return 0;

err_device:
	device_unregister(card_parent_dev);
err_class:
	class_unregister(&card_class);
err_driver:
	mdev_unregister_driver(&card_driver);
	return ret;
}

void mdev_card_unregister(void)
{
	mdev_unregister_parent(&card_parent);
	device_unregister(card_parent_dev);
	class_unregister(&card_class);
	mdev_unregister_driver(&card_driver);
}
