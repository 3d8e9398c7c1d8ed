// SPDX-License-Identifier: GPL-2.0
/*
 * irq_line.c - the interrupt line that a guest's ports share, and the RX
 * hold that lets the guest's interrupt handler return.
 *
 * Linux's serial8250_interrupt() goes round the ports of its IRQ until a
 * whole pass finds none of them pending, and its receive loop reads RBR
 * while LSR.DR is set. A real UART receives at the line rate: the handler
 * empties the FIFOs faster than they fill, and returns. The model's RX FIFO
 * is topped up from the host's bytes at once, so with a host end that
 * writes without pause the handler would never find one empty, and the
 * guest's CPU would livelock in it (a soft lockup, nothing else running).
 *
 * So, in the guest's handler (from an IIR read that reports an interrupt
 * the port raised to one that finds nothing pending), with RDI enabled, the
 * RX FIFO is not topped up while it holds bytes, and once the handler has
 * read it empty, with more of the host's bytes waiting, it is held: nothing
 * enters it until its line has gone low (the handler served every port on
 * it) and then half as long again as the line had been busy (since the
 * handlers of its held ports began, or since it rose, if that was
 * earlier), at least one character time and at most RX_HOLD_MAX_NS. The
 * handler's last pass, which only reads IIR, finds every port idle and
 * returns, and however slowly the guest runs (an emulated, nested one takes
 * tens of milliseconds over one pass), its handler takes about two thirds
 * of its CPU at most. A hold that finds the line already low (the port's
 * output fell below its trigger level while the handler read on) starts
 * the release at once. New edges may move the release later, never
 * earlier and never past RX_HOLD_MAX_NS after the first hold, so a line
 * that stays high (a port on it that the guest does not serve) releases
 * its ports then.
 */
#include <linux/bitops.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/minmax.h>

#include "com_port.h"
#include "compat.h"

#define RX_HOLD_MAX_NS		(500 * NSEC_PER_MSEC)

/*
 * Under line->lock, with held members: release them half as long from now
 * as the line has been busy (since its handlers began, or it rose, if that
 * was earlier), at least a character time, and never past the deadline
 * that the first hold set. The release may move later as new edges come,
 * never earlier, and never past that deadline.
 */
static void irq_line_release_soon(struct vmpass_irq_line *line)
{
	ktime_t now = ktime_get();
	ktime_t since = ktime_before(line->rise, line->since) ? line->rise : line->since;
	u64 ns = ktime_to_ns(ktime_sub(now, since)) / 2;
	ktime_t at;

	ns = clamp_t(u64, ns, min_t(u64, line->char_ns, RX_HOLD_MAX_NS), RX_HOLD_MAX_NS);
	at = ktime_add_ns(now, ns);
	if (ktime_before(at, line->release_at))
		at = line->release_at;
	if (ktime_after(at, line->deadline))
		at = line->deadline;
	line->release_at = at;
	hrtimer_start(&line->release, at, HRTIMER_MODE_ABS_SOFT);
}

static enum hrtimer_restart irq_line_release(struct hrtimer *timer)
{
	struct vmpass_irq_line *line = container_of(timer, struct vmpass_irq_line, release);
	struct vmpass_port *ports[VMPASS_LINE_PORTS];
	unsigned long flags, held;
	unsigned int bit;

	spin_lock_irqsave(&line->lock, flags);
	held = line->held;
	line->held = 0;
	for_each_set_bit(bit, &held, VMPASS_LINE_PORTS)
		ports[bit] = line->ports[bit];
	spin_unlock_irqrestore(&line->lock, flags);

	/* Not under line->lock: a port's lock is taken outside it. */
	for_each_set_bit(bit, &held, VMPASS_LINE_PORTS)
		if (ports[bit])
			com_port_rx_release(ports[bit], line);
	return HRTIMER_NORESTART;
}

/**
 * vmpass_irq_line_init() - set up a line with no members
 * @line: the line
 */
void vmpass_irq_line_init(struct vmpass_irq_line *line)
{
	*line = (struct vmpass_irq_line){ 0 };
	spin_lock_init(&line->lock);
	compat_hrtimer_setup(&line->release, irq_line_release, CLOCK_MONOTONIC,
			     HRTIMER_MODE_ABS_SOFT);
}

/**
 * vmpass_irq_line_stop() - wait for a line's release to finish
 * @line: the line, whose members have all left (vmpass_port_detach())
 *
 * Only a member arms the release, so it stays off once cancelled; the line
 * can then be freed.
 */
void vmpass_irq_line_stop(struct vmpass_irq_line *line)
{
	hrtimer_cancel(&line->release);
}

/* Under the port's lock: @port becomes member @bit, its output at @level. */
void irq_line_join(struct vmpass_irq_line *line, unsigned int bit,
		   struct vmpass_port *port, bool level)
{
	spin_lock(&line->lock);
	line->ports[bit] = port;
	__clear_bit(bit, &line->held);
	if (level && !line->high)
		line->rise = ktime_get();
	__assign_bit(bit, &line->high, level);
	spin_unlock(&line->lock);
}

/* Under the port's lock: member @bit leaves (its hold ends with it). */
void irq_line_leave(struct vmpass_irq_line *line, unsigned int bit)
{
	spin_lock(&line->lock);
	line->ports[bit] = NULL;
	__clear_bit(bit, &line->held);
	__clear_bit(bit, &line->high);
	spin_unlock(&line->lock);
}

/*
 * Under the port's lock: member @bit's IRQ output went to @level. A line
 * that goes low with held members starts their release.
 */
void irq_line_level(struct vmpass_irq_line *line, unsigned int bit, bool level)
{
	unsigned long was;

	spin_lock(&line->lock);
	was = line->high;
	__assign_bit(bit, &line->high, level);
	if (!was && line->high)
		line->rise = ktime_get();
	else if (was && !line->high && line->held)
		irq_line_release_soon(line);
	spin_unlock(&line->lock);
}

/*
 * Under the port's lock: member @bit's RX FIFO is held, at @char_ns per
 * character, by a handler that began at @since. The first hold sets the
 * deadline; a hold on a line that is already low (the port's output fell
 * below its trigger level while the handler read on) starts the release at
 * once.
 */
void irq_line_hold(struct vmpass_irq_line *line, unsigned int bit, u64 char_ns,
		   ktime_t since)
{
	spin_lock(&line->lock);
	if (!line->held) {
		line->char_ns = 0;
		line->since = since;
		line->release_at = 0;
		line->deadline = ktime_add_ns(ktime_get(), RX_HOLD_MAX_NS);
		hrtimer_start(&line->release, line->deadline, HRTIMER_MODE_ABS_SOFT);
	}
	__set_bit(bit, &line->held);
	line->char_ns = max(line->char_ns, char_ns);
	if (ktime_before(since, line->since))
		line->since = since;
	if (!line->high)
		irq_line_release_soon(line);
	spin_unlock(&line->lock);
}

/* Under the port's lock: member @bit's hold ends before its release. */
void irq_line_unhold(struct vmpass_irq_line *line, unsigned int bit)
{
	spin_lock(&line->lock);
	__clear_bit(bit, &line->held);
	spin_unlock(&line->lock);
}

/*
 * Under the port's lock: is member @bit held again, since the release took
 * its bit? Then that hold has its own release, and this one is stale.
 */
bool irq_line_held(struct vmpass_irq_line *line, unsigned int bit)
{
	bool held;

	spin_lock(&line->lock);
	held = test_bit(bit, &line->held);
	spin_unlock(&line->lock);
	return held;
}
