// SPDX-License-Identifier: GPL-2.0
/*
 * vmm_dev.c - /dev/vmpass, the interface of a userspace VMM.
 *
 * The control device lists the COM ports and the claimed PCI devices, and
 * attaches the VMM to a port as its guest. Each attachment is a port fd:
 * pread/pwrite at offset = register are the guest's port I/O (n bytes are
 * n accesses, as rep insb/outsb), the IRQ output is an eventfd for
 * KVM_IRQFD (with optional resampling for level semantics), and poll()
 * shows the IRQ level. Closing the fd detaches and resets the port.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <uapi/linux/vmpass.h>

#include "compat.h"
#include "com_port.h"
#include "pci_stub.h"
#include "vmm_dev.h"

/**
 * struct vmm_port - a VMM attached to a COM port (the port fd)
 * @port: the port
 * @trigger: eventfd signalled on rising edges; under port->lock
 * @poll_wq: poll() waiters, woken on every IRQ level change
 * @resample: eventfd that asks for a re-trigger while the level is high
 * @resample_wait: our entry on @resample's wait queue
 * @resample_pt: poll table used to find that queue
 * @resample_work: re-triggers outside the eventfd's wait-queue lock
 * @irqfd_lock: serialises VMPASS_PORT_SET_IRQFD
 */
struct vmm_port {
	struct vmpass_port *port;
	struct eventfd_ctx *trigger;
	wait_queue_head_t poll_wq;
	struct eventfd_ctx *resample;
	wait_queue_entry_t resample_wait;
	poll_table resample_pt;
	struct work_struct resample_work;
	struct mutex irqfd_lock;	/* see above */
};

static void vmm_port_irq_changed(void *data, bool level)
{
	struct vmm_port *vp = data;

	if (level && vp->trigger)
		compat_eventfd_signal(vp->trigger);
	wake_up_interruptible(&vp->poll_wq);
}

static const struct vmpass_guest_ops vmm_guest_ops = {
	.irq_changed = vmm_port_irq_changed,
};

static void vmm_port_resample_work(struct work_struct *work)
{
	struct vmm_port *vp = container_of(work, struct vmm_port, resample_work);
	unsigned long flags;

	spin_lock_irqsave(&vp->port->lock, flags);
	if (vp->port->irq_level && vp->trigger)
		compat_eventfd_signal(vp->trigger);
	spin_unlock_irqrestore(&vp->port->lock, flags);
}

/* Runs under the resample eventfd's wait-queue lock. */
static int vmm_port_resample_wakeup(wait_queue_entry_t *wait, unsigned int mode,
				    int sync, void *key)
{
	struct vmm_port *vp = container_of(wait, struct vmm_port, resample_wait);
	u64 count;

	if (key_to_poll(key) & EPOLLIN) {
		eventfd_ctx_do_read(vp->resample, &count);
		schedule_work(&vp->resample_work);
	}
	return 0;
}

static void vmm_port_resample_queue(struct file *file, wait_queue_head_t *wqh,
				    poll_table *pt)
{
	struct vmm_port *vp = container_of(pt, struct vmm_port, resample_pt);

	add_wait_queue(wqh, &vp->resample_wait);
}

static void vmm_port_resample_stop(struct vmm_port *vp)
{
	u64 count;

	if (!vp->resample)
		return;
	eventfd_ctx_remove_wait_queue(vp->resample, &vp->resample_wait, &count);
	cancel_work_sync(&vp->resample_work);
	eventfd_ctx_put(vp->resample);
	vp->resample = NULL;
}

/* Start watching @file, an eventfd whose context @ctx the caller hands over. */
static void vmm_port_resample_start(struct vmm_port *vp, struct file *file,
				    struct eventfd_ctx *ctx)
{
	vp->resample = ctx;
	init_waitqueue_func_entry(&vp->resample_wait, vmm_port_resample_wakeup);
	init_poll_funcptr(&vp->resample_pt, vmm_port_resample_queue);
	vfs_poll(file, &vp->resample_pt);
}

/*
 * Install @ctx as the trigger. A newly installed trigger sees the current
 * level: if the IRQ output is already asserted it is signalled at once, as
 * a rising edge would have, or a level-triggered consumer (KVM with
 * resampling) would never assert the line. That holds for the trigger
 * installed before, too: a VMM that installs it again (with a new
 * resampler, after its KVM irqfd was deassigned, which lowered the line)
 * needs the edge just as much.
 */
static void vmm_port_set_trigger(struct vmm_port *vp, struct eventfd_ctx *ctx)
{
	struct eventfd_ctx *old;
	unsigned long flags;

	spin_lock_irqsave(&vp->port->lock, flags);
	old = vp->trigger;
	vp->trigger = ctx;
	if (ctx && vp->port->irq_level)
		compat_eventfd_signal(ctx);
	spin_unlock_irqrestore(&vp->port->lock, flags);
	if (old)
		eventfd_ctx_put(old);
}

/*
 * VMPASS_PORT_SET_IRQFD: everything that can fail (the eventfds) is taken
 * first, so that a failed call leaves the old trigger and resampler as
 * they were; then the old ones are replaced in one go.
 */
static long vmm_port_set_irqfd(struct vmm_port *vp, void __user *uarg)
{
	struct eventfd_ctx *trigger = NULL, *resample = NULL;
	struct file *resample_file = NULL;
	struct vmpass_irqfd req;
	int ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if ((req.flags & ~VMPASS_IRQFD_RESAMPLE) ||
	    memchr_inv(req.reserved, 0, sizeof(req.reserved)))
		return -EINVAL;
	if (req.fd < 0 && req.fd != -1)
		return -EINVAL;
	if (req.fd == -1 && (req.flags & VMPASS_IRQFD_RESAMPLE))
		return -EINVAL;
	if (req.fd >= 0) {
		trigger = eventfd_ctx_fdget(req.fd);
		if (IS_ERR(trigger))
			return PTR_ERR(trigger);
	}
	if (req.flags & VMPASS_IRQFD_RESAMPLE) {
		resample_file = fget(req.resample_fd);
		if (!resample_file) {
			ret = -EBADF;
			goto err_trigger;
		}
		resample = eventfd_ctx_fileget(resample_file);
		if (IS_ERR(resample)) {
			ret = PTR_ERR(resample);
			goto err_file;
		}
	}

	mutex_lock(&vp->irqfd_lock);
	vmm_port_resample_stop(vp);
	if (resample)
		vmm_port_resample_start(vp, resample_file, resample);
	vmm_port_set_trigger(vp, trigger);
	mutex_unlock(&vp->irqfd_lock);
	if (resample_file)
		fput(resample_file);
	return 0;

err_file:
	fput(resample_file);
err_trigger:
	if (trigger)
		eventfd_ctx_put(trigger);
	return ret;
}

/*
 * VMPASS_PORT_GET_STATE: freezes the port and copies its state out. A
 * buffer too small gets -ENOSPC and the size needed, before anything
 * happens to the port.
 */
static long vmm_port_get_state(struct vmm_port *vp, void __user *uarg)
{
	struct vmpass_port_state *st;
	struct vmpass_state_buf req;
	long ret = 0;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || memchr_inv(req.reserved, 0, sizeof(req.reserved))) {
		pr_err_ratelimited("ttyVCOM%u: state: unknown flags or non-zero reserved fields\n",
				   vp->port->index);
		return -EINVAL;
	}
	if (req.version && req.version != VMPASS_PORT_STATE_VERSION) {
		pr_err_ratelimited("ttyVCOM%u: state: version %u asked, this module has version %u\n",
				   vp->port->index, req.version, VMPASS_PORT_STATE_VERSION);
		return -EINVAL;
	}
	if (req.size < sizeof(*st)) {
		req.size = sizeof(*st);
		return copy_to_user(uarg, &req, sizeof(req)) ? -EFAULT : -ENOSPC;
	}
	st = kvmalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	com_port_get_state(vp->port, st);
	req.size = sizeof(*st);
	req.version = VMPASS_PORT_STATE_VERSION;
	if (copy_to_user(u64_to_user_ptr(req.data), st, sizeof(*st)) ||
	    copy_to_user(uarg, &req, sizeof(req)))
		ret = -EFAULT;
	kvfree(st);
	return ret;
}

/* VMPASS_PORT_SET_STATE: all of it checked before the port is touched. */
static long vmm_port_set_state(struct vmm_port *vp, void __user *uarg)
{
	struct vmpass_port_state *st;
	struct vmpass_state_buf req;
	long ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if ((req.flags & ~VMPASS_STATE_SET_FROZEN) ||
	    memchr_inv(req.reserved, 0, sizeof(req.reserved))) {
		pr_err_ratelimited("ttyVCOM%u: state refused: unknown flags or non-zero reserved fields\n",
				   vp->port->index);
		return -EINVAL;
	}
	if (req.version != VMPASS_PORT_STATE_VERSION || req.size != sizeof(*st)) {
		pr_err_ratelimited("ttyVCOM%u: state refused: version %u of %u bytes (this module has version %u of %zu)\n",
				   vp->port->index, req.version, req.size,
				   VMPASS_PORT_STATE_VERSION, sizeof(*st));
		return -EINVAL;
	}
	st = kvmalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	ret = -EFAULT;
	if (!copy_from_user(st, u64_to_user_ptr(req.data), sizeof(*st)))
		ret = com_port_set_state(vp->port, st, req.flags & VMPASS_STATE_SET_FROZEN);
	kvfree(st);
	return ret;
}

static long vmm_port_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct vmm_port *vp = file->private_data;

	switch (cmd) {
	case VMPASS_PORT_SET_IRQFD:
		return vmm_port_set_irqfd(vp, (void __user *)arg);
	case VMPASS_PORT_GET_IRQ_LEVEL:
		return put_user((u32)vmpass_port_irq_level(vp->port), (u32 __user *)arg);
	case VMPASS_PORT_GET_STATE:
		return vmm_port_get_state(vp, (void __user *)arg);
	case VMPASS_PORT_SET_STATE:
		return vmm_port_set_state(vp, (void __user *)arg);
	}
	return -ENOTTY;
}

/* n accesses to one register, VMPASS_MAX_STRING_IO at the most. */
static ssize_t vmm_port_access(struct file *file, char __user *ubuf, size_t n,
			       loff_t *ppos, bool write)
{
	struct vmm_port *vp = file->private_data;
	u8 buf[64];
	size_t done, chunk;

	if (*ppos < 0 || *ppos >= UART16550_NR_REGS || n > VMPASS_MAX_STRING_IO)
		return -EINVAL;
	/* One access, the common case: no buffer to check, one byte to copy. */
	if (n == 1) {
		if (write && get_user(buf[0], ubuf))
			return -EFAULT;
		com_port_guest_rep(vp->port, *ppos, buf, 1, write);
		if (!write && put_user(buf[0], ubuf))
			return -EFAULT;
		return 1;
	}
	for (done = 0; done < n; done += chunk) {
		chunk = min(n - done, sizeof(buf));
		/* No last chunk of one: a string is never a single access. */
		if (n - done == chunk + 1)
			chunk--;
		if (write && copy_from_user(buf, ubuf + done, chunk))
			return done ? done : -EFAULT;
		com_port_guest_rep(vp->port, *ppos, buf, chunk, write);
		if (!write && copy_to_user(ubuf + done, buf, chunk))
			return -EFAULT;
	}
	return n;
}

static ssize_t vmm_port_read(struct file *file, char __user *ubuf, size_t n,
			     loff_t *ppos)
{
	return vmm_port_access(file, ubuf, n, ppos, false);
}

static ssize_t vmm_port_write(struct file *file, const char __user *ubuf,
			      size_t n, loff_t *ppos)
{
	return vmm_port_access(file, (char __user *)ubuf, n, ppos, true);
}

static __poll_t vmm_port_poll(struct file *file, poll_table *wait)
{
	struct vmm_port *vp = file->private_data;

	poll_wait(file, &vp->poll_wq, wait);
	return vmpass_port_irq_level(vp->port) ? EPOLLIN | EPOLLRDNORM : 0;
}

static int vmm_port_release(struct inode *inode, struct file *file)
{
	struct vmm_port *vp = file->private_data;

	vmpass_port_detach(vp->port);
	vmm_port_resample_stop(vp);
	vmm_port_set_trigger(vp, NULL);
	mutex_destroy(&vp->irqfd_lock);
	kfree(vp);
	return 0;
}

static const struct file_operations vmm_port_fops = {
	.owner = THIS_MODULE,
	.read = vmm_port_read,
	.write = vmm_port_write,
	.poll = vmm_port_poll,
	.unlocked_ioctl = vmm_port_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = vmm_port_release,
	.llseek = noop_llseek,
};

/*
 * Find the port and attach @vp to it as its guest. By I/O base, both under
 * vmpass_identity_lock, so that a remap cannot slip in between and attach
 * the VMM to a port that no longer has that base (an attached port cannot
 * be remapped).
 */
static int vmm_attach_port(const struct vmpass_attach *req, struct vmm_port *vp)
{
	struct vmpass_port *port = NULL;
	unsigned int i;
	int ret;

	if (!(req->flags & VMPASS_ATTACH_BY_IOBASE)) {
		port = vmpass_port_find(req->index);
		if (!port)
			return -ENODEV;
		vp->port = port;
		return vmpass_port_attach(port, &vmm_guest_ops, vp);
	}
	if (!req->iobase)
		return -ENODEV;
	mutex_lock(&vmpass_identity_lock);
	for (i = 0; i < vmpass_nr_ports && !port; i++)
		if (vmpass_ports[i].iobase == req->iobase)
			port = &vmpass_ports[i];
	ret = -ENODEV;
	if (port) {
		vp->port = port;
		ret = vmpass_port_attach(port, &vmm_guest_ops, vp);
	}
	mutex_unlock(&vmpass_identity_lock);
	return ret;
}

static long vmm_attach(void __user *uarg)
{
	struct vmpass_attach req;
	struct vmpass_port *port;
	struct vmm_port *vp;
	struct file *file;
	int ret, fd;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if ((req.flags & ~VMPASS_ATTACH_BY_IOBASE) ||
	    memchr_inv(req.reserved, 0, sizeof(req.reserved)))
		return -EINVAL;

	vp = kzalloc(sizeof(*vp), GFP_KERNEL);
	if (!vp)
		return -ENOMEM;
	init_waitqueue_head(&vp->poll_wq);
	INIT_WORK(&vp->resample_work, vmm_port_resample_work);
	mutex_init(&vp->irqfd_lock);

	ret = vmm_attach_port(&req, vp);
	if (ret)
		goto err_free;
	port = vp->port;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_detach;
	}
	file = anon_inode_getfile("[vmpass-port]", &vmm_port_fops, vp, O_RDWR);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err_fd;
	}
	/* The register is the offset: pread and pwrite. */
	file->f_mode |= FMODE_PREAD | FMODE_PWRITE;
	fd_install(fd, file);
	return fd;

err_fd:
	put_unused_fd(fd);
err_detach:
	vmpass_port_detach(port);
err_free:
	mutex_destroy(&vp->irqfd_lock);
	kfree(vp);
	return ret;
}

static long vmm_describe_port(void __user *uarg)
{
	struct vmpass_port_desc desc;
	struct vmpass_port *port;
	unsigned long flags;
	u32 index;

	if (copy_from_user(&desc, uarg, sizeof(desc)))
		return -EFAULT;
	if (desc.flags || memchr_inv(desc.reserved, 0, sizeof(desc.reserved)))
		return -EINVAL;
	index = desc.index;
	port = vmpass_port_find(index);
	if (!port)
		return -ENODEV;

	memset(&desc, 0, sizeof(desc));
	desc.index = index;
	mutex_lock(&vmpass_identity_lock);
	desc.iobase = port->iobase;
	desc.irq = port->irq;
	mutex_unlock(&vmpass_identity_lock);
	/* Both under the lock that sets them, so that CARD implies ATTACHED. */
	spin_lock_irqsave(&port->lock, flags);
	if (port->guest_ops)
		desc.flags |= VMPASS_PORT_ATTACHED;
	if (port->holder)
		desc.flags |= VMPASS_PORT_CARD;
	spin_unlock_irqrestore(&port->lock, flags);
	snprintf(desc.tty, sizeof(desc.tty), "ttyVCOM%u", index);
	return copy_to_user(uarg, &desc, sizeof(desc)) ? -EFAULT : 0;
}

static long vmm_get_info(void __user *uarg)
{
	struct vmpass_info info;

	memset(&info, 0, sizeof(info));
	info.api_version = VMPASS_API_VERSION;
	info.nr_ports = vmpass_nr_ports;
	info.features = VMPASS_FEATURE_IRQFD | VMPASS_FEATURE_IRQFD_RESAMPLE |
			VMPASS_FEATURE_STRING_IO | VMPASS_FEATURE_PORT_STATE;
	info.nr_devices = vmpass_pci_count();
	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long vmm_list_pci(void __user *uarg)
{
	struct vmpass_pci_list req;
	int count;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.reserved)
		return -EINVAL;
	count = vmpass_pci_fill(u64_to_user_ptr(req.devices), req.count);
	if (count < 0)
		return count;
	req.count = count;
	return copy_to_user(uarg, &req, sizeof(req)) ? -EFAULT : 0;
}

static long vmm_ctl_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VMPASS_GET_INFO:
		return vmm_get_info(uarg);
	case VMPASS_DESCRIBE_PORT:
		return vmm_describe_port(uarg);
	case VMPASS_ATTACH_PORT:
		return vmm_attach(uarg);
	case VMPASS_LIST_PCI:
		return vmm_list_pci(uarg);
	}
	return -ENOTTY;
}

static const struct file_operations vmm_ctl_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = vmm_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice vmm_ctl_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vmpass",
	.fops = &vmm_ctl_fops,
	.mode = 0600,
};

int vmm_dev_register(void)
{
	return misc_register(&vmm_ctl_dev);
}

void vmm_dev_unregister(void)
{
	misc_deregister(&vmm_ctl_dev);
}
