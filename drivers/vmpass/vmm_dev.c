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

static int vmm_port_resample_start(struct vmm_port *vp, int fd)
{
	struct eventfd_ctx *ctx;
	struct file *file;

	file = fget(fd);
	if (!file)
		return -EBADF;
	ctx = eventfd_ctx_fileget(file);
	if (IS_ERR(ctx)) {
		fput(file);
		return PTR_ERR(ctx);
	}
	vp->resample = ctx;
	init_waitqueue_func_entry(&vp->resample_wait, vmm_port_resample_wakeup);
	init_poll_funcptr(&vp->resample_pt, vmm_port_resample_queue);
	vfs_poll(file, &vp->resample_pt);
	fput(file);
	return 0;
}

static void vmm_port_set_trigger(struct vmm_port *vp, struct eventfd_ctx *ctx)
{
	struct eventfd_ctx *old;
	unsigned long flags;

	spin_lock_irqsave(&vp->port->lock, flags);
	old = vp->trigger;
	vp->trigger = ctx;
	spin_unlock_irqrestore(&vp->port->lock, flags);
	if (old)
		eventfd_ctx_put(old);
}

static long vmm_port_set_irqfd(struct vmm_port *vp, void __user *uarg)
{
	struct eventfd_ctx *trigger = NULL;
	struct vmpass_irqfd req;
	int ret = 0;

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

	mutex_lock(&vp->irqfd_lock);
	vmm_port_resample_stop(vp);
	if (req.flags & VMPASS_IRQFD_RESAMPLE) {
		ret = vmm_port_resample_start(vp, req.resample_fd);
		if (ret)
			goto out_unlock;
	}
	vmm_port_set_trigger(vp, trigger);
	trigger = NULL;
out_unlock:
	mutex_unlock(&vp->irqfd_lock);
	if (trigger)
		eventfd_ctx_put(trigger);
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
	for (done = 0; done < n; done += chunk) {
		chunk = min(n - done, sizeof(buf));
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

static struct vmpass_port *vmm_find_port(const struct vmpass_attach *req)
{
	struct vmpass_port *found = NULL;
	unsigned int i;

	if (!(req->flags & VMPASS_ATTACH_BY_IOBASE))
		return vmpass_port_find(req->index);
	if (!req->iobase)
		return NULL;
	mutex_lock(&vmpass_identity_lock);
	for (i = 0; i < vmpass_nr_ports && !found; i++)
		if (vmpass_ports[i].iobase == req->iobase)
			found = &vmpass_ports[i];
	mutex_unlock(&vmpass_identity_lock);
	return found;
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
	port = vmm_find_port(&req);
	if (!port)
		return -ENODEV;

	vp = kzalloc(sizeof(*vp), GFP_KERNEL);
	if (!vp)
		return -ENOMEM;
	vp->port = port;
	init_waitqueue_head(&vp->poll_wq);
	INIT_WORK(&vp->resample_work, vmm_port_resample_work);
	mutex_init(&vp->irqfd_lock);

	ret = vmpass_port_attach(port, &vmm_guest_ops, vp);
	if (ret)
		goto err_free;
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
	if (READ_ONCE(port->guest_ops))
		desc.flags |= VMPASS_PORT_ATTACHED;
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
			VMPASS_FEATURE_STRING_IO;
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
