/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_rx.S - host->guest throughput: receive N bytes (dword at 0x4fc)
 * on every COM port of the table at 0x500, interrupt-driven: FIFOs with
 * trigger level 14, the receive interrupt, OUT2, each port's IRQ unmasked;
 * the handler drains every port while LSR.DR. DTR tells the host the port
 * is ready. Ends with a write to port 0xf4 when all bytes are in.
 */
#include <linux/serial_reg.h>

	.code16
	.intel_syntax noprefix

	.set CONFIG, 0x500
	.set ARG_COUNT, 0x4fc
	.set LEFT, 0x4f0		/* dword: bytes still to come, all ports */
	.set DEBUG_EXIT, 0xf4

	.globl _start
_start:
	cli
	xor	ax, ax
	mov	ds, ax
	mov	ss, ax
	mov	sp, 0x7000
	cld
	mov	ax, offset isr
	call	pic_init

	xor	eax, eax
	mov	dword ptr [LEFT], eax
	mov	cx, word ptr [CONFIG]
	mov	si, CONFIG + 2
1:	mov	eax, dword ptr [ARG_COUNT]
	add	dword ptr [LEFT], eax
	push	cx
	mov	cl, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_TRIGGER_14
	mov	ch, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2
	call	uart_init
	mov	dx, word ptr [si]
	add	dx, UART_IER
	mov	al, UART_IER_RDI
	out	dx, al
	mov	cl, byte ptr [si + 2]
	call	pic_unmask
	pop	cx
	add	si, 4
	loop	1b

wait:
	cli
	cmp	dword ptr [LEFT], 0
	je	done
	sti
	hlt
	jmp	wait
done:
	xor	al, al
	out	DEBUG_EXIT, al
	hlt

isr:
	pusha
1:	xor	bp, bp
	mov	cx, word ptr [CONFIG]
	mov	si, CONFIG + 2
2:	mov	dx, word ptr [si]
	add	dx, UART_LSR
	in	al, dx
	test	al, UART_LSR_DR
	jz	3f
	mov	dx, word ptr [si]
	in	al, dx				/* RBR */
	dec	dword ptr [LEFT]
	inc	bp
	jmp	2b
3:	add	si, 4
	loop	2b
	test	bp, bp
	jnz	1b
	call	pic_eoi
	popa
	iret

#include "pc.inc"
