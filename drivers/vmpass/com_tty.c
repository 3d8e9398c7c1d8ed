// SPDX-License-Identifier: GPL-2.0
/*
 * com_tty.c - the host ends of the COM ports: /dev/ttyVCOMn.
 *
 * Each is an ordinary serial tty: termios (showing the line settings the
 * guest programmed), modem lines wired as a null modem to the guest's,
 * break, TIOCMIWAIT/TIOCGICOUNT, and TIOCGSERIAL/TIOCSSERIAL for the port's
 * legacy identity, which sysfs (iobase, irq) shows too.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/device.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/tty_driver.h>
#include <linux/tty_flip.h>

#include "compat.h"
#include "com_port.h"

static struct tty_driver *com_tty_driver;

static struct vmpass_port *tty_port_of(struct tty_struct *tty)
{
	return tty->driver_data;
}

/* The guest's LCR and divisor, as termios c_cflag bits and a baud rate. */
static void com_tty_apply_line(struct vmpass_port *port, struct ktermios *t)
{
	static const tcflag_t csize[] = { CS5, CS6, CS7, CS8 };
	unsigned long flags;
	u32 baud;
	u8 lcr;

	spin_lock_irqsave(&port->lock, flags);
	lcr = port->line_lcr;
	baud = uart16550_baud(&port->uart);
	spin_unlock_irqrestore(&port->lock, flags);

	t->c_cflag &= ~(CSIZE | CSTOPB | PARENB | PARODD | CMSPAR);
	t->c_cflag |= csize[lcr & UART_LCR_WLEN8];
	if (lcr & UART_LCR_STOP)
		t->c_cflag |= CSTOPB;
	if (lcr & UART_LCR_PARITY) {
		t->c_cflag |= PARENB;
		if (!(lcr & UART_LCR_EPAR))
			t->c_cflag |= PARODD;
		if (lcr & UART_LCR_SPAR)
			t->c_cflag |= CMSPAR;
	}
	tty_termios_encode_baud_rate(t, baud, baud);
}

/**
 * com_tty_port_events() - the host-end work of a port that may sleep
 * @port: the port
 *
 * Runs from the port's event_work: reflects the guest's line settings in
 * the host termios, wakes host writers, and hangs up a host end without
 * CLOCAL when the guest drops DTR (the host's DCD).
 */
void com_tty_port_events(struct vmpass_port *port)
{
	struct tty_struct *tty = tty_port_tty_get(&port->tport);
	bool dcd;

	if (test_and_clear_bit(VMPASS_EV_TERMIOS, &port->events) && tty) {
		down_write(&tty->termios_rwsem);
		com_tty_apply_line(port, &tty->termios);
		up_write(&tty->termios_rwsem);
	}
	if (test_and_clear_bit(VMPASS_EV_WAKEUP, &port->events) && tty)
		tty_wakeup(tty);
	if (test_and_clear_bit(VMPASS_EV_HANGUP, &port->events) && tty) {
		dcd = com_port_host_get_mctrl(port) & TIOCM_CD;
		if (!dcd && !C_CLOCAL(tty))
			tty_hangup(tty);
	}
	tty_kref_put(tty);
}

static int com_tty_install(struct tty_driver *driver, struct tty_struct *tty)
{
	struct vmpass_port *port = &vmpass_ports[tty->index];
	int ret;

	tty->driver_data = port;
	ret = tty_port_install(&port->tport, driver, tty);
	if (!ret && READ_ONCE(port->line_valid))
		com_tty_apply_line(port, &tty->termios);
	return ret;
}

static int com_tty_open(struct tty_struct *tty, struct file *filp)
{
	return tty_port_open(&tty_port_of(tty)->tport, tty, filp);
}

static void com_tty_close(struct tty_struct *tty, struct file *filp)
{
	tty_port_close(&tty_port_of(tty)->tport, tty, filp);
}

static void com_tty_hangup(struct tty_struct *tty)
{
	tty_port_hangup(&tty_port_of(tty)->tport);
}

static COMPAT_TTY_WRITE_RET com_tty_write(struct tty_struct *tty, const u8 *buf,
					  COMPAT_TTY_WRITE_COUNT count)
{
	return com_port_host_write(tty_port_of(tty), buf, count);
}

static unsigned int com_tty_write_room(struct tty_struct *tty)
{
	struct vmpass_port *port = tty_port_of(tty);
	unsigned long flags;
	unsigned int room;

	spin_lock_irqsave(&port->lock, flags);
	/* A frozen port takes nothing: what is written waits for the thaw. */
	room = com_port_host_waits(port) ? 0 : kfifo_avail(&port->to_guest);
	spin_unlock_irqrestore(&port->lock, flags);
	return room;
}

static unsigned int com_tty_chars_in_buffer(struct tty_struct *tty)
{
	struct vmpass_port *port = tty_port_of(tty);
	unsigned long flags;
	unsigned int len;

	spin_lock_irqsave(&port->lock, flags);
	len = kfifo_len(&port->to_guest);
	spin_unlock_irqrestore(&port->lock, flags);
	return len;
}

static void com_tty_flush_buffer(struct tty_struct *tty)
{
	com_port_flush_to_guest(tty_port_of(tty));
}

static void com_tty_throttle(struct tty_struct *tty)
{
	com_port_host_throttle(tty_port_of(tty), true);
}

static void com_tty_unthrottle(struct tty_struct *tty)
{
	com_port_host_throttle(tty_port_of(tty), false);
}

static void com_tty_set_termios(struct tty_struct *tty, const struct ktermios *old)
{
	struct vmpass_port *port = tty_port_of(tty);

	com_port_host_set_input(port, C_CREAD(tty), I_IGNBRK(tty));
	/* B0 hangs up the line (drops DTR and RTS); leaving B0 raises them. */
	if (old && (old->c_cflag & CBAUD) && !C_BAUD(tty))
		com_port_host_set_mctrl(port, 0, TIOCM_DTR | TIOCM_RTS);
	else if (old && !(old->c_cflag & CBAUD) && C_BAUD(tty))
		com_port_host_set_mctrl(port, TIOCM_DTR | TIOCM_RTS, 0);
}

static int com_tty_break_ctl(struct tty_struct *tty, int state)
{
	if (state == -1)
		com_port_host_break(tty_port_of(tty));
	return 0;
}

static int com_tty_tiocmget(struct tty_struct *tty)
{
	return com_port_host_get_mctrl(tty_port_of(tty));
}

static int com_tty_tiocmset(struct tty_struct *tty, unsigned int set,
			    unsigned int clear)
{
	com_port_host_set_mctrl(tty_port_of(tty), set, clear);
	return 0;
}

static void com_tty_icount(struct vmpass_port *port,
			   struct serial_icounter_struct *icount)
{
	unsigned long flags;

	spin_lock_irqsave(&port->lock, flags);
	*icount = port->icount;
	spin_unlock_irqrestore(&port->lock, flags);
}

static int com_tty_get_icount(struct tty_struct *tty,
			      struct serial_icounter_struct *icount)
{
	com_tty_icount(tty_port_of(tty), icount);
	return 0;
}

static bool com_tty_modem_changed(struct vmpass_port *port, unsigned long mask,
				  const struct serial_icounter_struct *prev)
{
	struct serial_icounter_struct now;

	com_tty_icount(port, &now);
	return ((mask & TIOCM_RNG) && now.rng != prev->rng) ||
	       ((mask & TIOCM_DSR) && now.dsr != prev->dsr) ||
	       ((mask & TIOCM_CD) && now.dcd != prev->dcd) ||
	       ((mask & TIOCM_CTS) && now.cts != prev->cts);
}

/* TIOCMIWAIT: sleep until one of the modem inputs in @mask changes. */
static int com_tty_wait_modem(struct tty_struct *tty, unsigned long mask)
{
	struct vmpass_port *port = tty_port_of(tty);
	struct serial_icounter_struct prev;
	int ret;

	com_tty_icount(port, &prev);
	ret = wait_event_interruptible(port->tport.delta_msr_wait,
				       com_tty_modem_changed(port, mask, &prev) ||
				       tty_io_error(tty));
	if (ret)
		return ret;
	return tty_io_error(tty) ? -EIO : 0;
}

static int com_tty_ioctl(struct tty_struct *tty, unsigned int cmd,
			 unsigned long arg)
{
	switch (cmd) {
	case TIOCMIWAIT:
		return com_tty_wait_modem(tty, arg);
	}
	return -ENOIOCTLCMD;
}

/* close_delay and closing_wait: jiffies here, 1/100 s in struct serial_struct. */
static unsigned int com_tty_closing_wait_in(unsigned int cs)
{
	return cs == ASYNC_CLOSING_WAIT_NONE ? ASYNC_CLOSING_WAIT_NONE :
	       msecs_to_jiffies(cs * 10);
}

static unsigned int com_tty_closing_wait_out(unsigned int j)
{
	return j == ASYNC_CLOSING_WAIT_NONE ? ASYNC_CLOSING_WAIT_NONE :
	       jiffies_to_msecs(j) / 10;
}

static int com_tty_get_serial(struct tty_struct *tty, struct serial_struct *ss)
{
	struct vmpass_port *port = tty_port_of(tty);

	mutex_lock(&port->tport.mutex);
	mutex_lock(&vmpass_identity_lock);
	ss->type = PORT_16550A;
	ss->line = port->index;
	ss->port = port->iobase;
	ss->irq = port->irq;
	ss->io_type = SERIAL_IO_PORT;
	ss->xmit_fifo_size = UART16550_FIFO_SIZE;
	ss->baud_base = UART16550_BASE_BAUD;
	ss->close_delay = jiffies_to_msecs(port->tport.close_delay) / 10;
	ss->closing_wait = com_tty_closing_wait_out(port->tport.closing_wait);
	mutex_unlock(&vmpass_identity_lock);
	mutex_unlock(&port->tport.mutex);
	return 0;
}

/*
 * TIOCSSERIAL, under serial_core's rules: an administrator can change the
 * I/O base and IRQ (under the same rules as at load), close_delay and
 * closing_wait; anyone else may only set what is already there. The model
 * fixes the type, the FIFO size and the base baud.
 */
static int com_tty_set_serial(struct tty_struct *tty, struct serial_struct *ss)
{
	struct vmpass_port *port = tty_port_of(tty);
	struct tty_port *tport = &port->tport;
	unsigned int close_delay = msecs_to_jiffies(ss->close_delay * 10);
	unsigned int closing_wait = com_tty_closing_wait_in(ss->closing_wait);
	unsigned long iobase = ss->port;
	bool fixed_ok = (ss->type == PORT_16550A || ss->type == PORT_UNKNOWN) &&
			ss->baud_base == UART16550_BASE_BAUD &&
			(!ss->xmit_fifo_size || ss->xmit_fifo_size == UART16550_FIFO_SIZE);
	bool change_id;
	int ret = 0;

	if (ss->port_high)
		iobase = ULONG_MAX;	/* refused as outside the I/O space */
	mutex_lock(&tport->mutex);
	mutex_lock(&vmpass_identity_lock);
	change_id = iobase != port->iobase || ss->irq != port->irq;
	if (!capable(CAP_SYS_ADMIN)) {
		if (change_id || !fixed_ok || close_delay != tport->close_delay ||
		    closing_wait != tport->closing_wait)
			ret = -EPERM;
		goto out_unlock;
	}
	if (!fixed_ok) {
		pr_err("ttyVCOM%u: only the port and the IRQ can be changed\n",
		       port->index);
		ret = -EINVAL;
		goto out_unlock;
	}
	if (change_id) {
		ret = vmpass_port_set_identity_locked(port, iobase, ss->irq);
		if (ret)
			goto out_unlock;
	}
	tport->close_delay = close_delay;
	tport->closing_wait = closing_wait;
out_unlock:
	mutex_unlock(&vmpass_identity_lock);
	mutex_unlock(&tport->mutex);
	return ret;
}

static const struct tty_operations com_tty_ops = {
	.install = com_tty_install,
	.open = com_tty_open,
	.close = com_tty_close,
	.hangup = com_tty_hangup,
	.write = com_tty_write,
	.write_room = com_tty_write_room,
	.chars_in_buffer = com_tty_chars_in_buffer,
	.flush_buffer = com_tty_flush_buffer,
	.throttle = com_tty_throttle,
	.unthrottle = com_tty_unthrottle,
	.set_termios = com_tty_set_termios,
	.break_ctl = com_tty_break_ctl,
	.tiocmget = com_tty_tiocmget,
	.tiocmset = com_tty_tiocmset,
	.get_icount = com_tty_get_icount,
	.ioctl = com_tty_ioctl,
	.get_serial = com_tty_get_serial,
	.set_serial = com_tty_set_serial,
};

static int com_tty_activate(struct tty_port *tport, struct tty_struct *tty)
{
	struct vmpass_port *port = container_of(tport, struct vmpass_port, tport);

	com_port_host_set_input(port, C_CREAD(tty), I_IGNBRK(tty));
	com_port_host_open(port, true);
	return 0;
}

static void com_tty_shutdown(struct tty_port *tport)
{
	com_port_host_open(container_of(tport, struct vmpass_port, tport), false);
}

static void com_tty_dtr_rts(struct tty_port *tport, COMPAT_DTR_RTS_ARG active)
{
	struct vmpass_port *port = container_of(tport, struct vmpass_port, tport);

	if (active)
		com_port_host_set_mctrl(port, TIOCM_DTR | TIOCM_RTS, 0);
	else
		com_port_host_set_mctrl(port, 0, TIOCM_DTR | TIOCM_RTS);
}

static COMPAT_CARRIER_RET com_tty_carrier_raised(struct tty_port *tport)
{
	struct vmpass_port *port = container_of(tport, struct vmpass_port, tport);

	return !!(com_port_host_get_mctrl(port) & TIOCM_CD);
}

const struct tty_port_operations com_tty_port_ops = {
	.activate = com_tty_activate,
	.shutdown = com_tty_shutdown,
	.dtr_rts = com_tty_dtr_rts,
	.carrier_raised = com_tty_carrier_raised,
};

/* sysfs: /sys/class/tty/ttyVCOMn/{iobase,irq} */

static ssize_t iobase_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct vmpass_port *port = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%#lx\n", READ_ONCE(port->iobase));
}

static ssize_t iobase_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t count)
{
	struct vmpass_port *port = dev_get_drvdata(dev);
	unsigned long iobase;
	int ret;

	/* kstrto*() would stop at an embedded NUL and take the rest as "". */
	if (strnlen(buf, count) != count)
		return -EINVAL;
	if (kstrtoul(buf, 0, &iobase))
		return -EINVAL;
	ret = vmpass_port_set_iobase(port, iobase);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(iobase);

static ssize_t irq_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	struct vmpass_port *port = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n", READ_ONCE(port->irq));
}

static ssize_t irq_store(struct device *dev, struct device_attribute *attr,
			 const char *buf, size_t count)
{
	struct vmpass_port *port = dev_get_drvdata(dev);
	unsigned int irq;
	int ret;

	/* kstrto*() would stop at an embedded NUL and take the rest as "". */
	if (strnlen(buf, count) != count)
		return -EINVAL;
	if (kstrtouint(buf, 0, &irq))
		return -EINVAL;
	ret = vmpass_port_set_irq(port, irq);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(irq);

/* closed_output: "keep" (the default) or "drop" guest output while closed. */
static ssize_t closed_output_show(struct device *dev, struct device_attribute *attr,
				  char *buf)
{
	struct vmpass_port *port = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%s\n", READ_ONCE(port->drop_closed_output) ? "drop" : "keep");
}

static ssize_t closed_output_store(struct device *dev, struct device_attribute *attr,
				   const char *buf, size_t count)
{
	struct vmpass_port *port = dev_get_drvdata(dev);
	bool drop = sysfs_streq(buf, "drop");

	if (!drop && !sysfs_streq(buf, "keep")) {
		pr_err("ttyVCOM%u: closed_output is keep or drop, not '%.*s'\n",
		       port->index, (int)strcspn(buf, "\n"), buf);
		return -EINVAL;
	}
	com_port_set_closed_output(port, drop);
	return count;
}
static DEVICE_ATTR_RW(closed_output);

/* dropped_output: guest output dropped while closed (TIOCGICOUNT buf_overrun). */
static ssize_t dropped_output_show(struct device *dev, struct device_attribute *attr,
				   char *buf)
{
	struct serial_icounter_struct icount;

	com_tty_icount(dev_get_drvdata(dev), &icount);
	return sysfs_emit(buf, "%d\n", icount.buf_overrun);
}
static DEVICE_ATTR_RO(dropped_output);

static struct attribute *com_tty_attrs[] = {
	&dev_attr_iobase.attr,
	&dev_attr_irq.attr,
	&dev_attr_closed_output.attr,
	&dev_attr_dropped_output.attr,
	NULL,
};
ATTRIBUTE_GROUPS(com_tty);

int com_tty_add_port(struct vmpass_port *port)
{
	struct device *dev;

	dev = tty_port_register_device_attr(&port->tport, com_tty_driver,
					    port->index, NULL, port,
					    com_tty_groups);
	return PTR_ERR_OR_ZERO(dev);
}

void com_tty_remove_port(struct vmpass_port *port)
{
	tty_unregister_device(com_tty_driver, port->index);
}

int com_tty_register(unsigned int nr)
{
	struct tty_driver *driver;
	int ret;

	driver = tty_alloc_driver(nr, TTY_DRIVER_REAL_RAW | TTY_DRIVER_DYNAMIC_DEV);
	if (IS_ERR(driver))
		return PTR_ERR(driver);

	driver->driver_name = "vmpass";
	driver->name = "ttyVCOM";
	driver->type = TTY_DRIVER_TYPE_SERIAL;
	driver->subtype = SERIAL_TYPE_NORMAL;
	driver->init_termios = tty_std_termios;
	driver->init_termios.c_cflag = B9600 | CS8 | CREAD | HUPCL | CLOCAL;
	driver->init_termios.c_ispeed = 9600;
	driver->init_termios.c_ospeed = 9600;
	tty_set_operations(driver, &com_tty_ops);

	ret = tty_register_driver(driver);
	if (ret) {
		tty_driver_kref_put(driver);
		return ret;
	}
	com_tty_driver = driver;
	return 0;
}

void com_tty_unregister(void)
{
	tty_unregister_driver(com_tty_driver);
	tty_driver_kref_put(com_tty_driver);
	com_tty_driver = NULL;
}
