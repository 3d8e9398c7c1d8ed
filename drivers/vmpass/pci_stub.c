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
 * name covers the device it resolves to, or, if that is a bridge, the
 * devices behind it (the bridge itself stays with its driver).
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

/* The names; under pcistub_lock. */
static LIST_HEAD(pcistub_slots);
static DEFINE_MUTEX(pcistub_lock);
static struct pci_driver pcistub_driver;

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

/* Does @n cover @pdev: name it, or name a bridge above it? */
static bool pcistub_name_covers(const struct devpath_name *n, struct pci_dev *pdev)
{
	struct pci_dev *d;

	for (d = pdev; d; d = d->bus->self)
		if (pcistub_name_is(n, d))
			return true;
	return false;
}

/* The slot that covers @pdev, or NULL; pcistub_lock held. */
static struct pcistub_slot *pcistub_slot_covering(struct pci_dev *pdev)
{
	struct pcistub_slot *slot;

	list_for_each_entry(slot, &pcistub_slots, node)
		if (pcistub_name_covers(&slot->name, pdev))
			return slot;
	return NULL;
}

static bool pcistub_is_claimed(struct pci_dev *pdev)
{
	return pdev->dev.driver == &pcistub_driver.driver;
}

#if IS_ENABLED(CONFIG_VFIO_PCI_CORE)

static int pcistub_vfio_open(struct vfio_device *core_vdev)
{
	struct vfio_pci_core_device *vdev =
		container_of(core_vdev, struct vfio_pci_core_device, vdev);
	int ret;

	ret = vfio_pci_core_enable(vdev);
	if (ret)
		return ret;
	vfio_pci_core_finish_enable(vdev);
	return 0;
}

static const struct vfio_device_ops pcistub_vfio_ops = {
	.name = "vmpass-vfio-pci",
	.init = vfio_pci_core_init_dev,
	.release = vfio_pci_core_release_dev,
	.open_device = pcistub_vfio_open,
	.close_device = vfio_pci_core_close_device,
	.ioctl = vfio_pci_core_ioctl,
	.device_feature = vfio_pci_core_ioctl_feature,
	.read = vfio_pci_core_read,
	.write = vfio_pci_core_write,
	.mmap = vfio_pci_core_mmap,
	.request = vfio_pci_core_request,
	.match = vfio_pci_core_match,
	COMPAT_VFIO_IOMMUFD_PHYSICAL_OPS
};

static int pcistub_vfio_add(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *vdev;
	int ret;

	vdev = vfio_alloc_device(vfio_pci_core_device, vdev, &pdev->dev,
				 &pcistub_vfio_ops);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);
	dev_set_drvdata(&pdev->dev, vdev);
	ret = vfio_pci_core_register_device(vdev);
	if (ret) {
		vfio_put_device(&vdev->vdev);
		return ret;
	}
	return 0;
}

static void pcistub_vfio_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(&pdev->dev);

	vfio_pci_core_unregister_device(vdev);
	vfio_put_device(&vdev->vdev);
}

static bool pcistub_vfio_in_use(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(&pdev->dev);

	return vdev && READ_ONCE(vdev->vdev.open_count);
}

#else /* !CONFIG_VFIO_PCI_CORE */

static int pcistub_vfio_add(struct pci_dev *pdev)
{
	pr_info_once("this kernel has no vfio-pci-core: claimed devices are only hidden\n");
	return 0;
}

static void pcistub_vfio_remove(struct pci_dev *pdev)
{
}

static bool pcistub_vfio_in_use(struct pci_dev *pdev)
{
	return false;
}

#endif /* CONFIG_VFIO_PCI_CORE */

/* Devices a name may not claim, with the reason; NULL if it may. */
static const char *pcistub_refusal(struct pci_dev *pdev)
{
	if ((pdev->class >> 8) == PCI_CLASS_BRIDGE_HOST)
		return "a host bridge is never claimed";
	if (pci_is_bridge(pdev))
		return "a bridge stays with its driver; naming it claims the devices behind it";
	if (pci_num_vf(pdev))
		return "a PF with VFs enabled is not claimed; disable SR-IOV first";
	return NULL;
}

static int pcistub_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct pcistub_slot *slot;
	const char *refusal;
	int ret;

	mutex_lock(&pcistub_lock);
	slot = pcistub_slot_covering(pdev);
	mutex_unlock(&pcistub_lock);
	if (!slot)
		return -ENODEV;

	refusal = pcistub_refusal(pdev);
	if (refusal) {
		if (!pci_is_bridge(pdev))
			pci_info(pdev, "vmpass: not claimed: %s\n", refusal);
		return -ENODEV;
	}

	pci_save_state(pdev);
	ret = pcistub_vfio_add(pdev);
	if (ret) {
		pci_err(pdev, "vmpass: VFIO registration failed: %d\n", ret);
		return ret;
	}
	pci_info(pdev, "vmpass: claimed\n");
	return 0;
}

static void pcistub_remove(struct pci_dev *pdev)
{
	pcistub_vfio_remove(pdev);
}

static const struct pci_device_id pcistub_ids[] = {
	{ PCI_DEVICE(PCI_ANY_ID, PCI_ANY_ID) },
	{ }
};

/* Give @pdev back: reset it, restore its state, let its driver probe. */
static void pcistub_give_back(struct pci_dev *pdev)
{
	compat_set_driver_override(pdev, NULL);
	if (pcistub_is_claimed(pdev))
		device_release_driver(&pdev->dev);
	if (!pci_reset_function(pdev))
		pci_restore_state(pdev);
	if (device_attach(&pdev->dev) < 0)
		pci_warn(pdev, "vmpass: given back, but no driver probed it\n");
}

/* Take @pdev from its current driver (if any) and bind it to vmpass. */
static void pcistub_take(struct pci_dev *pdev)
{
	if (pcistub_is_claimed(pdev) || pcistub_refusal(pdev))
		return;
	compat_set_driver_override(pdev, KBUILD_MODNAME);
	if (pdev->dev.driver) {
		pci_info(pdev, "vmpass: taking the device from %s\n", pdev->dev.driver->name);
		device_release_driver(&pdev->dev);
	}
	if (device_attach(&pdev->dev) <= 0 || !pcistub_is_claimed(pdev))
		compat_set_driver_override(pdev, NULL);
}

/* Take every device @n covers; returns how many devices it covers. */
static unsigned int pcistub_take_covered(const struct devpath_name *n)
{
	struct pci_dev *pdev = NULL;
	unsigned int count = 0;

	for_each_pci_dev(pdev) {
		if (!pcistub_name_covers(n, pdev) || pci_is_bridge(pdev))
			continue;
		count++;
		pcistub_take(pdev);
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

static void pcistub_free_slots(void)
{
	struct pcistub_slot *slot, *tmp;

	list_for_each_entry_safe(slot, tmp, &pcistub_slots, node) {
		list_del(&slot->node);
		kfree(slot);
	}
}

/* sysfs: /sys/bus/pci/drivers/vmpass/{new_slot,remove_slot,slots} */

static ssize_t new_slot_store(struct device_driver *drv, const char *buf,
			      size_t count)
{
	struct devpath_error err;
	struct devpath_name n;
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
	if (!pcistub_take_covered(&n))
		pr_info("new_slot: %s matches no device now\n", n.text);
	return count;
}
static DRIVER_ATTR_WO(new_slot);

static ssize_t remove_slot_store(struct device_driver *drv, const char *buf,
				 size_t count)
{
	struct pcistub_slot *slot, *found = NULL;
	struct pci_dev *pdev = NULL;
	struct devpath_error err;
	struct devpath_name n;

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
		mutex_unlock(&pcistub_lock);
		return -ENODEV;
	}
	/* A device open through VFIO is not yanked from its VMM. */
	for_each_pci_dev(pdev) {
		if (pcistub_is_claimed(pdev) && pcistub_name_covers(&n, pdev) &&
		    pcistub_vfio_in_use(pdev)) {
			mutex_unlock(&pcistub_lock);
			pci_dev_put(pdev);
			return -EBUSY;
		}
	}
	list_del(&found->node);
	kfree(found);
	mutex_unlock(&pcistub_lock);

	for_each_pci_dev(pdev) {
		if (!pcistub_is_claimed(pdev) || !pcistub_name_covers(&n, pdev))
			continue;
		mutex_lock(&pcistub_lock);
		slot = pcistub_slot_covering(pdev);	/* another name keeps it */
		mutex_unlock(&pcistub_lock);
		if (!slot)
			pcistub_give_back(pdev);
	}
	return count;
}
static DRIVER_ATTR_WO(remove_slot);

static const char *pcistub_state(struct pci_dev *pdev)
{
	if (!pcistub_is_claimed(pdev))
		return pdev->dev.driver ? "other-driver" : "unclaimed";
	return pcistub_vfio_in_use(pdev) ? "in-use" : "claimed";
}

static ssize_t slots_show(struct device_driver *drv, char *buf)
{
	struct pcistub_slot *slot;
	struct pci_dev *pdev;
	int len = 0;

	mutex_lock(&pcistub_lock);
	list_for_each_entry(slot, &pcistub_slots, node) {
		bool any = false;

		len += sysfs_emit_at(buf, len, "%s", slot->name.text);
		pdev = NULL;
		for_each_pci_dev(pdev) {
			if (pci_is_bridge(pdev) || !pcistub_name_covers(&slot->name, pdev))
				continue;
			len += sysfs_emit_at(buf, len, " %s=%s", pci_name(pdev),
					     pcistub_state(pdev));
			any = true;
		}
		len += sysfs_emit_at(buf, len, "%s\n", any ? "" : " absent");
	}
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
	.driver_managed_dma = true,
	.groups = pcistub_groups,
};

/* /dev/vmpass: VMPASS_GET_INFO and VMPASS_LIST_PCI. */

static int pcistub_count_one(struct device *dev, void *data)
{
	(*(unsigned int *)data)++;
	return 0;
}

unsigned int vmpass_pci_count(void)
{
	unsigned int count = 0;

	if (driver_for_each_device(&pcistub_driver.driver, NULL, &count, pcistub_count_one))
		return 0;
	return count;
}

struct pcistub_fill {
	struct vmpass_pci_dev __user *devs;
	unsigned int room;
	unsigned int count;
	int err;
};

static int pcistub_fill_one(struct device *dev, void *data)
{
	struct pcistub_fill *f = data;
	struct pci_dev *pdev = to_pci_dev(dev);
	struct iommu_group *group;
	struct pcistub_slot *slot;
	struct vmpass_pci_dev d;

	if (f->count >= f->room) {
		f->count++;
		return 0;
	}
	memset(&d, 0, sizeof(d));
	d.domain = pci_domain_nr(pdev->bus);
	d.bus = pdev->bus->number;
	d.devfn = pdev->devfn;
	d.vendor = pdev->vendor;
	d.device = pdev->device;
	group = iommu_group_get(dev);
	d.iommu_group = group ? iommu_group_id(group) : -1;
	iommu_group_put(group);
	d.state = pcistub_vfio_in_use(pdev) ? VMPASS_PCI_IN_USE : VMPASS_PCI_CLAIMED;
	mutex_lock(&pcistub_lock);
	list_for_each_entry(slot, &pcistub_slots, node) {
		if (slot->name.kind == DEVPATH_ACPI && pcistub_name_covers(&slot->name, pdev)) {
			strscpy(d.path, slot->name.text, sizeof(d.path));
			break;
		}
	}
	mutex_unlock(&pcistub_lock);
	if (copy_to_user(&f->devs[f->count], &d, sizeof(d))) {
		f->err = -EFAULT;
		return -EFAULT;
	}
	f->count++;
	return 0;
}

int vmpass_pci_fill(struct vmpass_pci_dev __user *devs, unsigned int room)
{
	struct pcistub_fill f = { .devs = devs, .room = room };
	int ret;

	ret = driver_for_each_device(&pcistub_driver.driver, NULL, &f, pcistub_fill_one);
	if (f.err)
		return f.err;
	return ret ? ret : f.count;
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
	for (i = 0; !ret && i < count; i++) {
		ret = pcistub_add_slot(&names[i]);
		if (ret == -EEXIST)
			ret = 0;
	}
	kfree(names);
	return ret;
}

/**
 * pcistub_init() - parse hide= and guestdev=, register the driver, and
 * take the named devices from any driver that has them
 *
 * Return: 0, or -EINVAL (with a message) for a parameter that does not
 * parse; nothing is claimed then.
 */
int __init pcistub_init(void)
{
	struct pcistub_slot *slot;
	int ret;

	mutex_lock(&pcistub_lock);
	ret = pcistub_parse_param("hide", hide, devpath_parse_hide);
	if (!ret)
		ret = pcistub_parse_param("guestdev", guestdev, devpath_parse_guestdev);
	mutex_unlock(&pcistub_lock);
	if (ret)
		goto err_free;

	ret = pci_register_driver(&pcistub_driver);
	if (ret)
		goto err_free;

	/*
	 * The names given at load are never removed while this runs (only
	 * new_slot adds), and pcistub_lock cannot be held: taking probes.
	 */
	list_for_each_entry(slot, &pcistub_slots, node)
		if (!pcistub_take_covered(&slot->name))
			pr_info("%s matches no device\n", slot->name.text);
	return 0;

err_free:
	pcistub_free_slots();
	return ret;
}

struct pcistub_collect {
	struct pci_dev **devs;
	unsigned int count;
	unsigned int room;
};

static int pcistub_collect_one(struct device *dev, void *data)
{
	struct pcistub_collect *c = data;

	if (c->count < c->room)
		c->devs[c->count++] = pci_dev_get(to_pci_dev(dev));
	return 0;
}

/* Unregister, and give every claimed device back to its host driver. */
void pcistub_exit(void)
{
	struct pcistub_collect c = { .room = vmpass_pci_count() };
	unsigned int i;

	c.devs = kcalloc(c.room, sizeof(*c.devs), GFP_KERNEL);
	if (!c.devs)
		c.room = 0;
	if (driver_for_each_device(&pcistub_driver.driver, NULL, &c, pcistub_collect_one))
		pr_warn("cannot list the claimed devices to give them back\n");
	pci_unregister_driver(&pcistub_driver);
	for (i = 0; i < c.count; i++) {
		pcistub_give_back(c.devs[i]);
		pci_dev_put(c.devs[i]);
	}
	kfree(c.devs);
	pcistub_free_slots();
}
