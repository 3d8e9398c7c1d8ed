/* SPDX-License-Identifier: GPL-2.0 */
/*
 * echo.S - a real-mode guest for minivmm: interrupt-driven echo on every
 * COM port the VMM lists, written the way a DOS terminal program drives
 * its UARTs.
 *
 * The VMM puts a table at CONFIG: a word count, then for each port a word
 * I/O base and a byte IRQ (and a pad byte). The guest programs both 8259s
 * as a PC BIOS does (IRQ 0-7 at vectors 8-15, 8-15 at 0x70-0x77), points
 * every IRQ vector at one handler, sets each UART to 115200 8N1 with FIFOs
 * (trigger 14), DTR, RTS and OUT2 (the PC's IRQ gate), enables the receive
 * interrupt and unmasks the port's IRQ; then it halts until interrupted.
 *
 * The handler services every port until none has an interrupt pending
 * (so ports that share an IRQ work), then sends EOI. Received bytes go to
 * a 4 KiB ring per port and are sent back on THRE interrupts, 16 at a
 * time. When a ring is full the receive interrupt is turned off, so the
 * bytes wait in the UART and the host's writer is held back, not lost.
 */
#include <linux/serial_reg.h>

	.code16
	.intel_syntax noprefix

	.set CONFIG, 0x500	/* from the VMM: count, {iobase, irq, pad}... */
	.set STATE, 0x700	/* per port: head, tail, IER, pad, budget: 8 bytes */
	.set RING_SEG, 0x1000	/* rings at 0x10000, 4 KiB each */
	.set RING_MASK, 0xfff

	.globl _start
_start:
	cli
	xor	ax, ax
	mov	ds, ax
	mov	ss, ax
	mov	sp, 0x7000
	mov	ax, RING_SEG
	mov	es, ax
	cld

	/* Both 8259s, every IRQ masked, every IRQ vector at isr. */
	mov	ax, offset isr
	call	pic_init

	/* Clear the per-port state. */
	mov	di, STATE
	mov	cx, 8 * 64 / 2
	xor	ax, ax
1:	mov	word ptr [di], ax
	add	di, 2
	loop	1b

	mov	si, CONFIG + 2
	mov	cx, word ptr [CONFIG]
	xor	bx, bx
	jcxz	idle
2:	call	setup_port
	add	si, 4
	inc	bx
	loop	2b

	sti
idle:
	hlt
	jmp	idle

/* setup_port: si = config entry, bx = port index. */
setup_port:
	push	cx
	mov	cl, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT | UART_FCR_TRIGGER_14
	mov	ch, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2
	call	uart_init
	mov	dx, word ptr [si]
	add	dx, UART_RX
	in	al, dx				/* drop anything stale */
	mov	al, UART_IER_RDI
	call	set_ier

	mov	cl, byte ptr [si + 2]
	call	pic_unmask
	pop	cx
	ret

/* set_ier: al = new IER of port bx at config si; writes only on a change. */
set_ier:
	push	di
	mov	di, bx
	shl	di, 3
	add	di, STATE
	cmp	byte ptr [di + 4], al
	je	1f
	mov	byte ptr [di + 4], al
	mov	dx, word ptr [si]
	add	dx, UART_IER
	out	dx, al
1:	pop	di
	ret

isr:
	pusha
	push	es
	mov	ax, RING_SEG
	mov	es, ax
	cld
1:	xor	bp, bp				/* set when a port was serviced */
	mov	si, CONFIG + 2
	mov	cx, word ptr [CONFIG]
	xor	bx, bx
2:	call	service_port
	add	si, 4
	inc	bx
	loop	2b
	test	bp, bp
	jnz	1b
	call	pic_eoi
	pop	es
	popa
	iret

/*
 * service_port: si = config entry, bx = port index. Handles one pending
 * interrupt of the port, if any, and sets bp when it did.
 */
service_port:
	push	cx
	mov	dx, word ptr [si]
	add	dx, UART_IIR
	in	al, dx
	test	al, UART_IIR_NO_INT
	jnz	9f
	mov	bp, 1
	and	al, UART_IIR_ID
	cmp	al, UART_IIR_RLSI
	je	3f
	cmp	al, UART_IIR_MSI
	je	4f
	cmp	al, UART_IIR_THRI
	je	5f
	call	port_receive			/* data or character timeout */
	jmp	8f
3:	mov	dx, word ptr [si]
	add	dx, UART_LSR
	in	al, dx
	jmp	9f
4:	mov	dx, word ptr [si]
	add	dx, UART_MSR
	in	al, dx
	jmp	9f
5:	call	port_transmit
8:	call	update_ier
9:	pop	cx
	ret

/* di = this port's state; returns ax = bytes in its ring. */
ring_count:
	mov	di, bx
	shl	di, 3
	add	di, STATE
	mov	ax, word ptr [di + 2]
	sub	ax, word ptr [di]
	and	ax, RING_MASK
	ret

/* Read up to 16 bytes, while the UART has data and the ring has room. */
port_receive:
	call	ring_count			/* di: this port's state */
	mov	word ptr [di + 6], 16
1:	dec	word ptr [di + 6]
	js	9f
	call	ring_count
	cmp	ax, RING_MASK
	je	9f
	mov	dx, word ptr [si]
	add	dx, UART_LSR
	in	al, dx
	test	al, UART_LSR_DR
	jz	9f
	mov	dx, word ptr [si]		/* UART_RX */
	in	al, dx
	mov	cx, bx
	shl	cx, 12
	push	bx
	mov	bx, word ptr [di + 2]
	add	bx, cx
	mov	byte ptr es:[bx], al
	pop	bx
	mov	ax, word ptr [di + 2]
	inc	ax
	and	ax, RING_MASK
	mov	word ptr [di + 2], ax
	jmp	1b
9:	ret

/* THRE: the transmit FIFO is empty. Send up to 16 bytes from the ring. */
port_transmit:
	mov	cx, 16
1:	push	cx
	call	ring_count
	pop	cx
	test	ax, ax
	jz	9f
	push	bx
	shl	bx, 12
	add	bx, word ptr [di]
	mov	al, byte ptr es:[bx]
	pop	bx
	mov	dx, word ptr [si]		/* UART_TX */
	out	dx, al
	mov	ax, word ptr [di]
	inc	ax
	and	ax, RING_MASK
	mov	word ptr [di], ax
	loop	1b
9:	ret

/* IER: receive while the ring has room, THRE while it has bytes. */
update_ier:
	call	ring_count
	xor	cl, cl
	cmp	ax, RING_MASK
	je	1f
	or	cl, UART_IER_RDI
1:	test	ax, ax
	jz	2f
	or	cl, UART_IER_THRI
2:	mov	al, cl
	jmp	set_ier

#include "pc.inc"
