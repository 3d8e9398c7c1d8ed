// SPDX-License-Identifier: GPL-2.0
/*
 * pci_stub.c - claim exactly the PCI devices the administrator named, keep
 * host drivers off them, offer them to VMMs through VFIO, and give them
 * back.
 *
 * Names come from hide= and guestdev= (at load, or vmpass.hide= on the boot
 * line) and from /sys/bus/pci/drivers/vmpass/new_slot; see devpath.h for
 * the grammars. Matching is lazy, at probe time, as in xen-pciback: the
 * "vmpass" pci_driver matches every device but refuses at once any that no
 * name covers, so hot-added devices and renumbered buses are handled. A
 * name covers the device it resolves to, or, if that is a bridge named
 * exactly, the devices behind it (the bridge itself stays with its driver).
 * A driver_override of "vmpass" written by someone else (driverctl) names
 * the device too.
 *
 * Each device vmpass binds, or wrote the driver_override of, has a struct
 * pcistub_dev of its own, set and cleared in probe and remove (device_lock
 * held) under pcistub_lock. Everything that reports or gives back a device
 * reads that, never the VFIO device, whose lifetime is VFIO's. Lock order:
 * device_lock, then VFIO's own locks (open_device), then pcistub_lock;
 * nothing sleeps on a device or on VFIO with pcistub_lock held.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/acpi.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vgaarb.h>
#include <linux/workqueue.h>
#include <uapi/linux/vmpass.h>
#if IS_ENABLED(CONFIG_VFIO_PCI_CORE)
#include <linux/vfio_pci_core.h>
#endif

#include "compat.h"
#include "devpath.h"
#include "params.h"
#include "pci_stub.h"

#define PCISTUB_MAX_PARAM_NAMES	32

static char hide[1024];
static const struct kparam_string hide_string = { sizeof(hide), hide };
__module_param_call(MODULE_PARAM_PREFIX, hide, &vmpass_param_ops_string,
		    (void *)&hide_string, 0444, -1, 0);
__MODULE_PARM_TYPE(hide, "string");
MODULE_PARM_DESC(hide, "PCI devices to claim, xen-pciback style: (dddd:bb:dd.f)(bb:dd.*)...");

static char guestdev[1024];
static const struct kparam_string guestdev_string = { sizeof(guestdev), guestdev };
__module_param_call(MODULE_PARAM_PREFIX, guestdev, &vmpass_param_ops_string,
		    (void *)&guestdev_string, 0444, -1, 0);
__MODULE_PARM_TYPE(guestdev, "string");
MODULE_PARM_DESC(guestdev, "PCI devices to claim: BDFs and ACPI paths HID[:UID]-dd.f[-dd.f...], comma-separated");

/**
 * struct pcistub_slot - one name the stub claims by
 * @node: in pcistub_slots
 * @name: the parsed name
 */
struct pcistub_slot {
	struct list_head node;
	struct devpath_name name;
};

struct pcistub_vfio;

/**
 * struct pcistub_dev - vmpass's own state of one device
 * @node: in pcistub_devs
 * @pdev: the device (a reference is held)
 * @probing: in probe, not bound yet
 * @bound: probe succeeded and remove has not run
 * @removing: in remove, which still uses this state without pcistub_lock
 * @by_override: bound for a driver_override that vmpass did not write
 * @override_ours: vmpass wrote driver_override=vmpass and will clear it
 * @released: unbound through sysfs: no name claims it again until new_slot
 *	names it again
 * @reprobe: @released, and the host drivers have not been offered it yet
 * @giving_back: remove_slot or rmmod is giving it back: no VFIO open now
 * @exit_give_back: unbound by rmmod, to be probed by host drivers after it
 * @vfio_open: open through VFIO
 * @vfio_err: why it has no VFIO device (0: it has one, or is not bound)
 * @vfio: its VFIO device while bound, or NULL
 * @saved: its config space as the host driver left it, until given back
 */
struct pcistub_dev {
	struct list_head node;
	struct pci_dev *pdev;
	bool probing;
	bool bound;
	bool removing;
	bool by_override;
	bool override_ours;
	bool released;
	bool reprobe;
	bool giving_back;
	bool exit_give_back;
	bool vfio_open;
	int vfio_err;
	struct pcistub_vfio *vfio;
	struct pci_saved_state *saved;
};

/* The names and the devices; under pcistub_lock. */
static LIST_HEAD(pcistub_slots);
static LIST_HEAD(pcistub_devs);
static bool pcistub_exiting;
static DEFINE_MUTEX(pcistub_lock);
static struct pci_driver pcistub_driver;

static void pcistub_reprobe_fn(struct work_struct *work);
static DECLARE_WORK(pcistub_reprobe_work, pcistub_reprobe_fn);

/* Does the root bus @bus have the ACPI _HID or _CID and _UID of @n? */
static bool pcistub_root_matches(const struct devpath_name *n, struct pci_bus *bus)
{
#ifdef CONFIG_ACPI
	struct acpi_device_id ids[2] = { };
	struct acpi_device *adev;
	const char *uid;

	adev = ACPI_COMPANION(bus->bridge);
	if (!adev)
		return false;
	strscpy(ids[0].id, n->hid, sizeof(ids[0].id));
	if (acpi_match_device_ids(adev, ids))
		return false;
	uid = acpi_device_uid(adev);
	if (n->uid[0])
		return uid && !strcmp(uid, n->uid);
	return !uid || !strcmp(uid, "0");
#else
	return false;
#endif
}

/* Is @pdev the device at ACPI path @n? */
static bool pcistub_is_at_path(const struct devpath_name *n, struct pci_dev *pdev)
{
	struct pci_dev *d = pdev;
	int hop;

	for (hop = n->nr_hops - 1; hop >= 0; hop--) {
		if (d->devfn != n->hops[hop])
			return false;
		if (hop && !d->bus->self)
			return false;	/* on a root bus too soon */
		if (hop)
			d = d->bus->self;
	}
	return pci_is_root_bus(d->bus) && pcistub_root_matches(n, d->bus);
}

static bool pcistub_name_is(const struct devpath_name *n, struct pci_dev *pdev)
{
	if (n->kind == DEVPATH_BDF)
		return devpath_bdf_matches(n, pci_domain_nr(pdev->bus),
					   pdev->bus->number, pdev->devfn);
	return pcistub_is_at_path(n, pdev);
}

static bool pcistub_name_is_wildcard(const struct devpath_name *n)
{
	return n->kind == DEVPATH_BDF && (n->slot == DEVPATH_ANY || n->func == DEVPATH_ANY);
}

/*
 * Does @n cover @pdev: name it, or name exactly a bridge above it? A
 * wildcard covers only the devices it matches itself, as in xen-pciback:
 * (0000:00:*.*) is not every device in the machine.
 */
static bool pcistub_name_covers(const struct devpath_name *n, struct pci_dev *pdev)
{
	struct pci_dev *d;

	if (pcistub_name_is_wildcard(n))
		return pcistub_name_is(n, pdev);
	for (d = pdev; d; d = d->bus->self)
		if (pcistub_name_is(n, d))
			return true;
	return false;
}

/* The state of @pdev, or NULL; pcistub_lock held. */
static struct pcistub_dev *pcistub_dev_find(struct pci_dev *pdev)
{
	struct pcistub_dev *sd;

	list_for_each_entry(sd, &pcistub_devs, node)
		if (sd->pdev == pdev)
			return sd;
	return NULL;
}

/* The state of @pdev, made if there is none; pcistub_lock held. */
static struct pcistub_dev *pcistub_dev_get(struct pci_dev *pdev)
{
	struct pcistub_dev *sd = pcistub_dev_find(pdev);

	if (sd)
		return sd;
	sd = kzalloc(sizeof(*sd), GFP_KERNEL);
	if (!sd)
		return NULL;
	sd->pdev = pci_dev_get(pdev);
	list_add_tail(&sd->node, &pcistub_devs);
	return sd;
}

/* Free @sd if nothing is left to remember about its device; pcistub_lock held. */
static void pcistub_dev_put_if_idle(struct pcistub_dev *sd)
{
	if (sd->probing || sd->bound || sd->removing || sd->override_ours ||
	    sd->released || sd->giving_back || sd->exit_give_back)
		return;
	list_del(&sd->node);
	pci_dev_put(sd->pdev);
	kfree(sd);
}

/* Is @pdev bound to vmpass? (A snapshot: the caller holds no device lock.) */
static bool pcistub_is_claimed(struct pci_dev *pdev)
{
	return READ_ONCE(pdev->dev.driver) == &pcistub_driver.driver;
}

/*
 * Does @pdev's driver_override name vmpass: > 0 yes, 0 another driver,
 * < 0 none. Takes the device lock.
 */
static int pcistub_override_match(struct pci_dev *pdev)
{
	int ret;

	device_lock(&pdev->dev);
	ret = compat_driver_override_match(pdev, &pcistub_driver.driver);
	device_unlock(&pdev->dev);
	return ret;
}

/* Clear @pdev's driver_override if vmpass wrote it and it still says vmpass. */
static void pcistub_clear_our_override(struct pci_dev *pdev)
{
	struct pcistub_dev *sd;
	bool ours = false;

	mutex_lock(&pcistub_lock);
	sd = pcistub_dev_find(pdev);
	if (sd) {
		ours = sd->override_ours;
		sd->override_ours = false;
		pcistub_dev_put_if_idle(sd);
	}
	mutex_unlock(&pcistub_lock);
	if (ours && pcistub_override_match(pdev) > 0)
		compat_set_driver_override(pdev, NULL);
}

#if IS_ENABLED(CONFIG_VFIO_PCI_CORE)

/* The VFIO device of a claimed device; @core first, as vfio_alloc_device() wants. */
struct pcistub_vfio {
	struct vfio_pci_core_device core;
	struct pcistub_dev *sd;
};

static int pcistub_vfio_open(struct vfio_device *core_vdev)
{
	struct pcistub_vfio *v = container_of(core_vdev, struct pcistub_vfio, core.vdev);
	int ret = 0;

	/* remove_slot and rmmod mark a device before giving it back. */
	mutex_lock(&pcistub_lock);
	if (v->sd->giving_back || pcistub_exiting)
		ret = -EBUSY;
	else
		v->sd->vfio_open = true;
	mutex_unlock(&pcistub_lock);
	if (ret)
		return ret;

	ret = vfio_pci_core_enable(&v->core);
	if (ret) {
		mutex_lock(&pcistub_lock);
		v->sd->vfio_open = false;
		mutex_unlock(&pcistub_lock);
		return ret;
	}
	vfio_pci_core_finish_enable(&v->core);
	return 0;
}

static void pcistub_vfio_close(struct vfio_device *core_vdev)
{
	struct pcistub_vfio *v = container_of(core_vdev, struct pcistub_vfio, core.vdev);

	vfio_pci_core_close_device(core_vdev);
	mutex_lock(&pcistub_lock);
	v->sd->vfio_open = false;
	mutex_unlock(&pcistub_lock);
}

static const struct vfio_device_ops pcistub_vfio_ops = {
	.name = "vmpass-vfio-pci",
	.init = vfio_pci_core_init_dev,
	.release = vfio_pci_core_release_dev,
	.open_device = pcistub_vfio_open,
	.close_device = pcistub_vfio_close,
	.ioctl = vfio_pci_core_ioctl,
	.device_feature = vfio_pci_core_ioctl_feature,
	.read = vfio_pci_core_read,
	.write = vfio_pci_core_write,
	.mmap = vfio_pci_core_mmap,
	.request = vfio_pci_core_request,
	.match = vfio_pci_core_match,
	COMPAT_VFIO_PCI_MATCH_TOKEN_UUID_OP
	COMPAT_VFIO_PCI_GET_REGION_INFO_OP
	COMPAT_VFIO_IOMMUFD_PHYSICAL_OPS
};

/* Register @sd's device with VFIO; on failure it stays claimed, hidden only. */
static struct pcistub_vfio *pcistub_vfio_add(struct pcistub_dev *sd, int *err)
{
	struct pci_dev *pdev = sd->pdev;
	struct pcistub_vfio *v;

	v = vfio_alloc_device(pcistub_vfio, core.vdev, &pdev->dev, &pcistub_vfio_ops);
	if (IS_ERR(v)) {
		*err = PTR_ERR(v);
		return NULL;
	}
	v->sd = sd;
	dev_set_drvdata(&pdev->dev, &v->core);
	*err = vfio_pci_core_register_device(&v->core);
	if (*err) {
		dev_set_drvdata(&pdev->dev, NULL);
		vfio_put_device(&v->core.vdev);
		return NULL;
	}
	return v;
}

/* Unregister (waiting for a VMM to let go: VFIO asks it to). */
static void pcistub_vfio_unregister(struct pcistub_vfio *v)
{
	if (v)
		vfio_pci_core_unregister_device(&v->core);
}

static void pcistub_vfio_free(struct pcistub_vfio *v)
{
	if (!v)
		return;
	dev_set_drvdata(&v->sd->pdev->dev, NULL);
	vfio_put_device(&v->core.vdev);
}

/*
 * AER: vfio_pci_core_err_handlers, for the devices that have a VFIO
 * device (VFIO_PCI_ERR_IRQ reaches the VMM). Called with the device lock
 * held, as probe and remove set and clear drvdata.
 */
static pci_ers_result_t pcistub_error_detected(struct pci_dev *pdev,
					       pci_channel_state_t state)
{
	if (!dev_get_drvdata(&pdev->dev))
		return PCI_ERS_RESULT_CAN_RECOVER;	/* hidden only: no VMM to tell */
	return vfio_pci_core_err_handlers.error_detected(pdev, state);
}

#else /* !CONFIG_VFIO_PCI_CORE */

struct pcistub_vfio;

static struct pcistub_vfio *pcistub_vfio_add(struct pcistub_dev *sd, int *err)
{
	*err = -EOPNOTSUPP;
	return NULL;
}

static void pcistub_vfio_unregister(struct pcistub_vfio *v)
{
}

static void pcistub_vfio_free(struct pcistub_vfio *v)
{
}

static pci_ers_result_t pcistub_error_detected(struct pci_dev *pdev,
					       pci_channel_state_t state)
{
	return PCI_ERS_RESULT_CAN_RECOVER;
}

#endif /* CONFIG_VFIO_PCI_CORE */

static const struct pci_error_handlers pcistub_err_handlers = {
	.error_detected = pcistub_error_detected,
};

/* Why a claimed device with error @err has no VFIO device: the slots word. */
static const char *pcistub_no_vfio_reason(struct pci_dev *pdev, int err)
{
	if (err == -EOPNOTSUPP || device_iommu_mapped(&pdev->dev))
		return "no-vfio";
	return "no-iommu";
}

/* Say once why VFIO is unavailable, and how to make it available. */
static void pcistub_no_vfio_hint(struct pci_dev *pdev, int err)
{
	if (err == -EOPNOTSUPP)
		pr_warn_once("this kernel has no vfio-pci-core: named devices are only hidden\n");
	else if (!device_iommu_mapped(&pdev->dev))
		pr_warn_once("VFIO needs an IOMMU and none is enabled: named devices are only hidden; enable VT-d (Intel) or AMD-Vi (AMD) in the firmware, and on Intel boot with intel_iommu=on\n");
	else
		pr_warn_once("VFIO registration failed (%d): named devices are only hidden\n", err);
}

/* Devices a name may not claim, with the reason; NULL if it may. */
static const char *pcistub_refusal(struct pci_dev *pdev)
{
	if ((pdev->class >> 16) == PCI_BASE_CLASS_BRIDGE)
		return pci_is_bridge(pdev) ?
		       "a bridge stays with its driver; naming it claims the devices behind it" :
		       "a bridge (class 0x06xx) is never claimed";
	if (pci_is_bridge(pdev))
		return "a bridge stays with its driver; naming it claims the devices behind it";
	if (pci_num_vf(pdev))
		return "a PF with VFs enabled is not claimed; disable SR-IOV first";
	return NULL;
}

/*
 * Might a mounted filesystem or the console depend on @pdev? Any storage,
 * display or communication (serial) controller, and the boot VGA device,
 * driven now or not (at boot, vmpass may probe before their drivers). A
 * wildcard never takes one; only its exact name does.
 */
static bool pcistub_host_depends_on(struct pci_dev *pdev)
{
	switch (pdev->class >> 16) {
	case PCI_BASE_CLASS_STORAGE:
	case PCI_BASE_CLASS_DISPLAY:
	case PCI_BASE_CLASS_COMMUNICATION:
		return true;
	}
	return pdev == vga_default_device();
}

static int pcistub_dev_in_use(struct device *dev, void *unused)
{
	struct device_driver *drv;
	int ret = 0;

	device_lock(dev);
	drv = dev->driver;
	/* A built-in driver has no module count to show its use: assume it. */
	if (drv && drv->owner != THIS_MODULE &&
	    (!drv->owner || module_refcount(drv->owner) > 0))
		ret = 1;
	device_unlock(dev);
	return ret ?: device_for_each_child(dev, NULL, pcistub_dev_in_use);
}

/*
 * Is @pdev, or a device below it (a disk, a virtio transport), driven by a
 * module that is in use now, as a mounted filesystem keeps its disk's
 * driver, or by a driver built into the kernel, whose use cannot be seen?
 * Takes device locks: call with no lock held.
 */
static bool pcistub_in_use_below(struct pci_dev *pdev)
{
	return pcistub_dev_in_use(&pdev->dev, NULL);
}

/* Does a name other than a wildcard that @pdev's host may depend on cover it? */
static bool pcistub_slot_may_take(const struct pcistub_slot *slot, struct pci_dev *pdev)
{
	return !pcistub_name_is_wildcard(&slot->name) || !pcistub_host_depends_on(pdev);
}

/* A slot that claims @pdev, or NULL; pcistub_lock held. */
static struct pcistub_slot *pcistub_slot_claiming(struct pci_dev *pdev,
						  const struct pcistub_slot *skip)
{
	struct pcistub_slot *slot;

	list_for_each_entry(slot, &pcistub_slots, node)
		if (slot != skip && pcistub_name_covers(&slot->name, pdev) &&
		    pcistub_slot_may_take(slot, pdev))
			return slot;
	return NULL;
}

static int pcistub_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct pcistub_vfio *vfio;
	struct pcistub_dev *sd;
	const char *refusal;
	bool named, by_override;
	int override, err;

	override = compat_driver_override_match(pdev, &pcistub_driver.driver);

	mutex_lock(&pcistub_lock);
	sd = pcistub_dev_find(pdev);
	named = !(sd && sd->released) && pcistub_slot_claiming(pdev, NULL);
	by_override = !named && override > 0 && !(sd && sd->override_ours);
	if (pcistub_exiting || (!named && !by_override)) {
		mutex_unlock(&pcistub_lock);
		return -ENODEV;
	}
	refusal = pcistub_refusal(pdev);
	if (refusal) {
		mutex_unlock(&pcistub_lock);
		if (!pci_is_bridge(pdev) || by_override)
			pci_info(pdev, "vmpass: not claimed: %s\n", refusal);
		return -ENODEV;
	}
	sd = pcistub_dev_get(pdev);
	if (!sd) {
		mutex_unlock(&pcistub_lock);
		return -ENOMEM;
	}
	sd->probing = true;
	if (by_override) {
		/* The administrator named it again: no host driver is offered it. */
		sd->released = false;
		sd->reprobe = false;
	}
	mutex_unlock(&pcistub_lock);

	/* Kept apart from pdev->saved_config_space, which resets and VFIO rewrite. */
	pci_save_state(pdev);
	sd->saved = pci_store_saved_state(pdev);

	vfio = pcistub_vfio_add(sd, &err);
	if (!vfio) {
		/*
		 * Still claimed and hidden, as xen-pciback hides devices on
		 * hosts with no IOMMU: only passing it through is not possible.
		 */
		pcistub_no_vfio_hint(pdev, err);
		pci_info(pdev, "vmpass: claimed%s; hidden only, VFIO unavailable (%s)\n",
			 by_override ? " (driver_override)" : "",
			 pcistub_no_vfio_reason(pdev, err));
	} else {
		pci_info(pdev, "vmpass: claimed%s\n", by_override ? " (driver_override)" : "");
	}

	mutex_lock(&pcistub_lock);
	sd->vfio = vfio;
	sd->vfio_err = vfio ? 0 : err;
	sd->by_override = by_override;
	sd->probing = false;
	sd->bound = true;
	mutex_unlock(&pcistub_lock);
	return 0;
}

/*
 * Unbound, by remove_slot, rmmod, a sysfs unbind or hot removal: reset the
 * device, restore what its host driver left and clear the driver_override
 * vmpass wrote. A name's device unbound by
 * anything but remove_slot or rmmod is released and offered to the host
 * drivers (by pcistub_reprobe_fn, without the device lock held here).
 */
static void pcistub_remove(struct pci_dev *pdev)
{
	struct pci_saved_state *saved;
	struct pcistub_vfio *vfio;
	struct pcistub_dev *sd;
	bool reprobe = false;
	bool ours;

	mutex_lock(&pcistub_lock);
	sd = pcistub_dev_find(pdev);
	vfio = sd ? sd->vfio : NULL;
	mutex_unlock(&pcistub_lock);
	if (WARN_ON(!sd))
		return;

	pcistub_vfio_unregister(vfio);

	mutex_lock(&pcistub_lock);
	sd->bound = false;
	sd->removing = true;
	sd->vfio = NULL;
	sd->vfio_err = 0;
	if (pcistub_exiting) {
		sd->exit_give_back = true;
	} else if (!sd->giving_back && !sd->by_override) {
		sd->released = true;
		sd->reprobe = true;
		reprobe = true;
	}
	sd->by_override = false;
	ours = sd->override_ours;
	sd->override_ours = false;
	saved = sd->saved;
	sd->saved = NULL;
	mutex_unlock(&pcistub_lock);

	if (__pci_reset_function_locked(pdev))
		pci_dbg(pdev, "vmpass: no function reset\n");
	if (saved) {
		pci_load_and_free_saved_state(pdev, &saved);
		pci_restore_state(pdev);
	}
	pcistub_vfio_free(vfio);
	/*
	 * Cleared here, with the device lock held, not later: a driverctl
	 * set-override written as soon as the unbind returns is its own.
	 */
	if (ours)
		compat_clear_driver_override_locked(pdev, &pcistub_driver.driver);

	mutex_lock(&pcistub_lock);
	sd->removing = false;
	pcistub_dev_put_if_idle(sd);
	mutex_unlock(&pcistub_lock);
	if (reprobe) {
		pci_info(pdev, "vmpass: unbound: released until new_slot names it again\n");
		schedule_work(&pcistub_reprobe_work);
	}
}

/*
 * bus_for_each_drv() callback: bind @data to @drv if that is a host driver
 * that matches it. vmpass itself is never tried: its probe, bound to fail
 * for a released device, would set dev->driver for a moment, and a
 * drivers_probe written then (driverctl set-override, just after its
 * unbind) would find the device bound and do nothing.
 */
static int pcistub_attach_host_driver(struct device_driver *drv, void *data)
{
	struct device *dev = data;
	int match;

	if (drv == &pcistub_driver.driver)
		return 0;
	/* The device lock keeps driver_override (read by the match) in place. */
	device_lock(dev);
	match = dev->bus->match(dev, drv);
	device_unlock(dev);
	return match > 0 && !device_driver_attach(drv, dev);
}

/* Offer the released devices to the host drivers (pcistub_remove cleared our override). */
static void pcistub_reprobe_fn(struct work_struct *work)
{
	struct pcistub_dev *sd;
	struct pci_dev *pdev;

	for (;;) {
		pdev = NULL;
		mutex_lock(&pcistub_lock);
		list_for_each_entry(sd, &pcistub_devs, node) {
			if (sd->reprobe) {
				sd->reprobe = false;
				pdev = pci_dev_get(sd->pdev);
				break;
			}
		}
		mutex_unlock(&pcistub_lock);
		if (!pdev)
			return;
		if (!bus_for_each_drv(pdev->dev.bus, NULL, &pdev->dev,
				      pcistub_attach_host_driver))
			pci_dbg(pdev, "vmpass: no host driver probed it\n");
		pci_dev_put(pdev);
	}
}

/*
 * A device that is gone (hot removal, or sysfs remove) is forgotten, with
 * the reference to it: a released one would otherwise be kept until rmmod.
 * Its driver was released before this (BUS_NOTIFY_REMOVED_DEVICE), and a
 * give-back still under way frees its state when it is done.
 */
static int pcistub_bus_notify(struct notifier_block *nb, unsigned long action,
			      void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);
	struct pcistub_dev *sd;

	if (action != BUS_NOTIFY_REMOVED_DEVICE)
		return NOTIFY_DONE;
	mutex_lock(&pcistub_lock);
	sd = pcistub_dev_find(pdev);
	if (sd) {
		sd->released = false;
		sd->reprobe = false;
		sd->override_ours = false;	/* it goes with the device */
		pcistub_dev_put_if_idle(sd);
	}
	mutex_unlock(&pcistub_lock);
	return NOTIFY_OK;
}

static struct notifier_block pcistub_bus_nb = {
	.notifier_call = pcistub_bus_notify,
};

static const struct pci_device_id pcistub_ids[] = {
	{ PCI_DEVICE(PCI_ANY_ID, PCI_ANY_ID) },
	{ }
};

/*
 * Give @pdev back: unbind it (pcistub_remove resets it and restores its
 * state), clear the override vmpass wrote, and let its driver probe.
 */
static void pcistub_give_back(struct pci_dev *pdev)
{
	struct pcistub_dev *sd;

	device_release_driver(&pdev->dev);
	mutex_lock(&pcistub_lock);
	sd = pcistub_dev_find(pdev);
	if (sd) {
		sd->giving_back = false;
		pcistub_dev_put_if_idle(sd);
	}
	mutex_unlock(&pcistub_lock);
	pcistub_clear_our_override(pdev);
	if (device_attach(&pdev->dev) < 0)
		pci_warn(pdev, "vmpass: given back, but no driver probed it\n");
}

/*
 * Take @pdev from its current driver (if any) and bind it to vmpass. If
 * vmpass does not bind it, it goes back to a host driver: never stranded.
 * A driver_override naming another driver is the administrator's: left
 * alone, and the device is not taken.
 */
static int pcistub_take(struct pci_dev *pdev)
{
	const struct device_driver *drv;
	struct pcistub_dev *sd;
	const char *refusal;
	int override;

	if (pcistub_is_claimed(pdev))
		return 0;
	refusal = pcistub_refusal(pdev);
	if (refusal) {
		pci_info(pdev, "vmpass: not claimed: %s\n", refusal);
		return -EPERM;
	}
	override = pcistub_override_match(pdev);
	if (override == 0) {
		pci_info(pdev, "vmpass: not claimed: its driver_override names another driver\n");
		return -EBUSY;
	}
	if (override < 0) {
		mutex_lock(&pcistub_lock);
		sd = pcistub_dev_get(pdev);
		if (sd)
			sd->override_ours = true;
		mutex_unlock(&pcistub_lock);
		if (!sd)
			return -ENOMEM;
		compat_set_driver_override(pdev, KBUILD_MODNAME);
	}
	drv = READ_ONCE(pdev->dev.driver);
	if (drv && drv != &pcistub_driver.driver) {
		pci_info(pdev, "vmpass: taking the device from %s\n", drv->name);
		device_release_driver(&pdev->dev);
	}
	if (device_attach(&pdev->dev) > 0 && pcistub_is_claimed(pdev))
		return 0;
	pcistub_clear_our_override(pdev);
	if (device_attach(&pdev->dev) <= 0)
		pci_warn(pdev, "vmpass: not claimed, and no host driver took it back\n");
	return -ENODEV;
}

/*
 * Take every device @n claims; returns how many devices it covers, and in
 * @err the first failure to take one. A device released by an unbind is
 * named again.
 */
static unsigned int pcistub_take_named(const struct devpath_name *n, int *err)
{
	struct pcistub_slot slot = { .name = *n };
	struct pci_dev *pdev = NULL;
	struct pcistub_dev *sd;
	unsigned int count = 0;
	int ret;

	*err = 0;
	for_each_pci_dev(pdev) {
		if (!pcistub_name_covers(n, pdev) || pci_is_bridge(pdev))
			continue;
		count++;
		if (pcistub_is_claimed(pdev))
			continue;
		if (!pcistub_slot_may_take(&slot, pdev) ||
		    (pcistub_name_is_wildcard(n) && pcistub_in_use_below(pdev))) {
			pci_info(pdev, "vmpass: not claimed by the wildcard %s: the host may depend on it; name it exactly\n",
				 n->text);
			continue;
		}
		mutex_lock(&pcistub_lock);
		sd = pcistub_dev_find(pdev);
		if (sd) {
			sd->released = false;
			sd->reprobe = false;
			pcistub_dev_put_if_idle(sd);
		}
		mutex_unlock(&pcistub_lock);
		ret = pcistub_take(pdev);
		if (ret && ret != -EPERM && !*err)
			*err = ret;
	}
	return count;
}

static void pcistub_report_error(const char *param, const char *s,
				 const struct devpath_error *err)
{
	pr_err("%s=: bad entry '%.*s' at column %u: %s\n", param,
	       (int)err->entry_len, s + err->entry, err->pos + 1, err->why);
}

/* Add a slot for @n unless there is one; pcistub_lock held. */
static int pcistub_add_slot(const struct devpath_name *n)
{
	struct pcistub_slot *slot;

	list_for_each_entry(slot, &pcistub_slots, node)
		if (devpath_same(&slot->name, n))
			return -EEXIST;
	slot = kzalloc(sizeof(*slot), GFP_KERNEL);
	if (!slot)
		return -ENOMEM;
	slot->name = *n;
	list_add_tail(&slot->node, &pcistub_slots);
	return 0;
}

/* sysfs: /sys/bus/pci/drivers/vmpass/{new_slot,remove_slot,slots} */

/*
 * A name that new_slot added and failed to claim a device by is not kept
 * (a later probe, e.g. after driverctl unset-override, would take the
 * device the write said it did not take), unless it holds a device now.
 */
static void pcistub_forget_failed_slot(const struct devpath_name *n)
{
	struct pcistub_slot *slot, *found = NULL;
	struct pcistub_dev *sd;

	mutex_lock(&pcistub_lock);
	list_for_each_entry(slot, &pcistub_slots, node)
		if (devpath_same(&slot->name, n))
			found = slot;
	if (!found)
		goto out;
	list_for_each_entry(sd, &pcistub_devs, node)
		if ((sd->bound || sd->probing) && !sd->by_override &&
		    pcistub_name_covers(n, sd->pdev))
			goto out;
	list_del(&found->node);
	kfree(found);
out:
	mutex_unlock(&pcistub_lock);
}

static ssize_t new_slot_store(struct device_driver *drv, const char *buf,
			      size_t count)
{
	struct devpath_error err;
	struct devpath_name n;
	bool added;
	int ret;

	if (strnlen(buf, count) != count) {
		pr_err("new_slot: the name contains a NUL byte\n");
		return -EINVAL;
	}
	if (devpath_parse_one(buf, &n, &err)) {
		pr_err("new_slot: bad entry '%.*s' at column %u: %s\n",
		       (int)strcspn(buf, "\n"), buf, err.pos + 1, err.why);
		return -EINVAL;
	}
	mutex_lock(&pcistub_lock);
	ret = pcistub_add_slot(&n);
	mutex_unlock(&pcistub_lock);
	if (ret && ret != -EEXIST)
		return ret;
	added = !ret;
	if (!pcistub_take_named(&n, &ret))
		pr_info("new_slot: %s matches no device now\n", n.text);
	if (ret && added)
		pcistub_forget_failed_slot(&n);
	return ret ? ret : count;
}
static DRIVER_ATTR_WO(new_slot);

static ssize_t remove_slot_store(struct device_driver *drv, const char *buf,
				 size_t count)
{
	struct pcistub_slot *slot, *found = NULL;
	struct pci_dev **back = NULL;
	unsigned int i, nr_back = 0;
	struct devpath_error err;
	struct pcistub_dev *sd;
	struct devpath_name n;
	int ret = 0;

	if (strnlen(buf, count) != count) {
		pr_err("remove_slot: the name contains a NUL byte\n");
		return -EINVAL;
	}
	if (devpath_parse_one(buf, &n, &err)) {
		pr_err("remove_slot: bad entry '%.*s' at column %u: %s\n",
		       (int)strcspn(buf, "\n"), buf, err.pos + 1, err.why);
		return -EINVAL;
	}
	mutex_lock(&pcistub_lock);
	list_for_each_entry(slot, &pcistub_slots, node)
		if (devpath_same(&slot->name, &n))
			found = slot;
	if (!found) {
		ret = -ENODEV;
		goto out_unlock;
	}
	/*
	 * The devices this name alone holds go back. One open through VFIO
	 * is not yanked from its VMM; the others are marked, and VFIO opens
	 * are refused from now on. One in probe now would end up bound with
	 * no name: try again when it is done.
	 */
	list_for_each_entry(sd, &pcistub_devs, node) {
		if (sd->probing && pcistub_name_covers(&n, sd->pdev)) {
			ret = -EBUSY;
			goto out_unlock;
		}
		if (!sd->bound || sd->by_override || !pcistub_name_covers(&n, sd->pdev) ||
		    pcistub_slot_claiming(sd->pdev, found))
			continue;
		if (sd->vfio_open || sd->giving_back) {
			ret = -EBUSY;
			goto out_unlock;
		}
		nr_back++;
	}
	if (nr_back) {
		back = kcalloc(nr_back, sizeof(*back), GFP_KERNEL);
		if (!back) {
			ret = -ENOMEM;
			goto out_unlock;
		}
	}
	i = 0;
	list_for_each_entry(sd, &pcistub_devs, node) {
		if (!sd->bound || sd->by_override || !pcistub_name_covers(&n, sd->pdev) ||
		    pcistub_slot_claiming(sd->pdev, found))
			continue;
		sd->giving_back = true;
		back[i++] = pci_dev_get(sd->pdev);
	}
	list_del(&found->node);
	kfree(found);
out_unlock:
	mutex_unlock(&pcistub_lock);
	for (i = 0; i < nr_back && back; i++) {
		pcistub_give_back(back[i]);
		pci_dev_put(back[i]);
	}
	kfree(back);
	return ret ? ret : count;
}
static DRIVER_ATTR_WO(remove_slot);

/* The slots word for @pdev; pcistub_lock held. */
static const char *pcistub_state(struct pci_dev *pdev)
{
	struct pcistub_dev *sd = pcistub_dev_find(pdev);

	if (!sd || !sd->bound) {
		if (sd && sd->released)
			return "released";
		return READ_ONCE(pdev->dev.driver) ? "other-driver" : "unclaimed";
	}
	if (!sd->vfio)
		return pcistub_no_vfio_reason(pdev, sd->vfio_err);
	return sd->vfio_open ? "in-use" : "claimed";
}

static ssize_t slots_show(struct device_driver *drv, char *buf)
{
	struct pcistub_slot *slot;
	struct pcistub_dev *sd;
	struct pci_dev *pdev;
	bool any = false;
	int len = 0;

	mutex_lock(&pcistub_lock);
	list_for_each_entry(slot, &pcistub_slots, node) {
		bool found = false;

		len += sysfs_emit_at(buf, len, "%s", slot->name.text);
		pdev = NULL;
		for_each_pci_dev(pdev) {
			if (pci_is_bridge(pdev) || !pcistub_name_covers(&slot->name, pdev))
				continue;
			len += sysfs_emit_at(buf, len, " %s=%s", pci_name(pdev),
					     pcistub_slot_may_take(slot, pdev) ?
					     pcistub_state(pdev) : "host-depends");
			found = true;
		}
		len += sysfs_emit_at(buf, len, "%s\n", found ? "" : " absent");
	}
	/* Devices named by a driver_override that vmpass did not write. */
	list_for_each_entry(sd, &pcistub_devs, node) {
		if (!sd->bound || !sd->by_override)
			continue;
		if (!any)
			len += sysfs_emit_at(buf, len, "driver_override");
		len += sysfs_emit_at(buf, len, " %s=%s", pci_name(sd->pdev),
				     pcistub_state(sd->pdev));
		any = true;
	}
	if (any)
		len += sysfs_emit_at(buf, len, "\n");
	mutex_unlock(&pcistub_lock);
	return len;
}
static DRIVER_ATTR_RO(slots);

static struct attribute *pcistub_attrs[] = {
	&driver_attr_new_slot.attr,
	&driver_attr_remove_slot.attr,
	&driver_attr_slots.attr,
	NULL,
};
ATTRIBUTE_GROUPS(pcistub);

static struct pci_driver pcistub_driver = {
	.name = KBUILD_MODNAME,
	.id_table = pcistub_ids,
	.probe = pcistub_probe,
	.remove = pcistub_remove,
	.err_handler = &pcistub_err_handlers,
	.driver_managed_dma = true,
	.groups = pcistub_groups,
};

/* /dev/vmpass: VMPASS_GET_INFO and VMPASS_LIST_PCI. */

unsigned int vmpass_pci_count(void)
{
	struct pcistub_dev *sd;
	unsigned int count = 0;

	mutex_lock(&pcistub_lock);
	list_for_each_entry(sd, &pcistub_devs, node)
		count += sd->bound;
	mutex_unlock(&pcistub_lock);
	return count;
}

/* The VMPASS_LIST_PCI entry of @sd; pcistub_lock held. */
static void pcistub_describe(struct pcistub_dev *sd, struct vmpass_pci_dev *d)
{
	struct pci_dev *pdev = sd->pdev;
	struct iommu_group *group;
	struct pcistub_slot *slot;

	memset(d, 0, sizeof(*d));
	d->domain = pci_domain_nr(pdev->bus);
	d->bus = pdev->bus->number;
	d->devfn = pdev->devfn;
	d->vendor = pdev->vendor;
	d->device = pdev->device;
	group = sd->vfio ? iommu_group_get(&pdev->dev) : NULL;
	d->iommu_group = group ? iommu_group_id(group) : -1;
	iommu_group_put(group);
	if (!sd->vfio)
		d->state = VMPASS_PCI_NO_VFIO;
	else if (sd->vfio_open)
		d->state = VMPASS_PCI_IN_USE;
	else
		d->state = VMPASS_PCI_CLAIMED;
	if (sd->by_override) {
		d->flags = VMPASS_PCI_BY_OVERRIDE;
		return;
	}
	list_for_each_entry(slot, &pcistub_slots, node) {
		if (slot->name.kind == DEVPATH_ACPI && pcistub_name_covers(&slot->name, pdev)) {
			strscpy(d->path, slot->name.text, sizeof(d->path));
			break;
		}
	}
}

/* Describe up to @room bound devices into @buf; returns how many are bound. */
static unsigned int pcistub_describe_all(struct vmpass_pci_dev *buf, unsigned int room)
{
	struct pcistub_dev *sd;
	unsigned int count = 0;

	mutex_lock(&pcistub_lock);
	list_for_each_entry(sd, &pcistub_devs, node) {
		if (!sd->bound)
			continue;
		if (count < room)
			pcistub_describe(sd, &buf[count]);
		count++;
	}
	mutex_unlock(&pcistub_lock);
	return count;
}

int vmpass_pci_fill(struct vmpass_pci_dev __user *devs, unsigned int room)
{
	struct vmpass_pci_dev *buf;
	unsigned int count, size;

	/* A buffer the size of the list, not of @room; again if the list grew. */
	count = pcistub_describe_all(NULL, 0);
	for (;;) {
		size = min(room, count);
		buf = kcalloc(max(size, 1U), sizeof(*buf), GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
		count = pcistub_describe_all(buf, size);
		if (count <= size || size == room)
			break;
		kfree(buf);
	}
	size = min(size, count);
	if (size && copy_to_user(devs, buf, size * sizeof(*buf))) {
		kfree(buf);
		return -EFAULT;
	}
	kfree(buf);
	return count;
}

/* Parse one parameter into slots; -EINVAL with a message if it is bad. */
static int __init pcistub_parse_param(const char *param, const char *s,
				      int (*parse)(const char *, struct devpath_name *,
						   int, struct devpath_error *))
{
	struct devpath_error err;
	struct devpath_name *names;
	int i, count, ret = 0;

	names = kcalloc(PCISTUB_MAX_PARAM_NAMES, sizeof(*names), GFP_KERNEL);
	if (!names)
		return -ENOMEM;
	count = parse(s, names, PCISTUB_MAX_PARAM_NAMES, &err);
	if (count < 0) {
		pcistub_report_error(param, s, &err);
		ret = -EINVAL;
	} else if (count > PCISTUB_MAX_PARAM_NAMES) {
		pr_err("%s: %d names, at most %d\n", param, count, PCISTUB_MAX_PARAM_NAMES);
		ret = -EINVAL;
	}
	mutex_lock(&pcistub_lock);
	for (i = 0; !ret && i < count; i++) {
		ret = pcistub_add_slot(&names[i]);
		if (ret == -EEXIST)
			ret = 0;
	}
	mutex_unlock(&pcistub_lock);
	kfree(names);
	return ret;
}

/**
 * pcistub_free_params() - forget the names (after pcistub_exit(), or if
 * the load fails before pcistub_init())
 */
void pcistub_free_params(void)
{
	struct pcistub_slot *slot, *tmp;

	mutex_lock(&pcistub_lock);
	list_for_each_entry_safe(slot, tmp, &pcistub_slots, node) {
		list_del(&slot->node);
		kfree(slot);
	}
	mutex_unlock(&pcistub_lock);
}

/**
 * pcistub_parse_params() - parse hide= and guestdev= into names; nothing
 * user-visible exists yet
 *
 * Return: 0, or -EINVAL (with a message) for a parameter that does not
 * parse, with no name kept.
 */
int __init pcistub_parse_params(void)
{
	int ret;

	ret = pcistub_parse_param("hide", hide, devpath_parse_hide);
	if (!ret)
		ret = pcistub_parse_param("guestdev", guestdev, devpath_parse_guestdev);
	if (ret)
		pcistub_free_params();
	return ret;
}

/**
 * pcistub_init() - register the driver, and take the named devices from
 * any driver that has them
 *
 * Return: 0 or a negative errno (the names are kept for
 * pcistub_free_params()).
 */
int __init pcistub_init(void)
{
	struct devpath_name *names;
	struct pcistub_slot *slot;
	unsigned int i, n = 0;
	int ret;

	ret = bus_register_notifier(&pci_bus_type, &pcistub_bus_nb);
	if (ret)
		return ret;
	ret = pci_register_driver(&pcistub_driver);
	if (ret) {
		bus_unregister_notifier(&pci_bus_type, &pcistub_bus_nb);
		return ret;
	}

	/* A copy: remove_slot may already free a slot; taking probes, unlocked. */
	names = kcalloc(2 * PCISTUB_MAX_PARAM_NAMES, sizeof(*names), GFP_KERNEL);
	if (!names) {
		/* Devices the registration bound go back, as at rmmod. */
		pcistub_exit();
		return -ENOMEM;
	}
	mutex_lock(&pcistub_lock);
	list_for_each_entry(slot, &pcistub_slots, node)
		if (n < 2 * PCISTUB_MAX_PARAM_NAMES)
			names[n++] = slot->name;
	mutex_unlock(&pcistub_lock);
	for (i = 0; i < n; i++)
		if (!pcistub_take_named(&names[i], &ret))
			pr_info("%s matches no device\n", names[i].text);
	kfree(names);
	return 0;
}

/*
 * Unregister, and give every claimed device back to its host driver. Each
 * device bound until now is unbound by the unregistration itself, so a
 * device claimed at the last moment (new_slot, a hot-add) is given back too.
 */
void pcistub_exit(void)
{
	struct pcistub_dev *sd, *tmp;
	LIST_HEAD(devs);

	mutex_lock(&pcistub_lock);
	pcistub_exiting = true;
	mutex_unlock(&pcistub_lock);
	pci_unregister_driver(&pcistub_driver);
	flush_work(&pcistub_reprobe_work);
	bus_unregister_notifier(&pci_bus_type, &pcistub_bus_nb);

	mutex_lock(&pcistub_lock);
	list_splice_init(&pcistub_devs, &devs);
	mutex_unlock(&pcistub_lock);
	list_for_each_entry_safe(sd, tmp, &devs, node) {
		if (sd->override_ours && pcistub_override_match(sd->pdev) > 0)
			compat_set_driver_override(sd->pdev, NULL);
		if ((sd->exit_give_back || sd->override_ours) &&
		    device_attach(&sd->pdev->dev) < 0)
			pci_warn(sd->pdev, "vmpass: given back, but no driver probed it\n");
		list_del(&sd->node);
		pci_dev_put(sd->pdev);
		kfree(sd);
	}
	mutex_lock(&pcistub_lock);
	pcistub_exiting = false;
	mutex_unlock(&pcistub_lock);
}
