/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_lat.S - interrupt latency: the first COM port of the table at
 * 0x500 interrupts on every received byte (FIFO trigger level 1); the
 * first instruction of the handler writes port 0x80, where minivmm
 * (--markers) stamps the time. One marker at start-up says "ready".
 */
#include <linux/serial_reg.h>

	.code16
	.intel_syntax noprefix

	.set CONFIG, 0x500
	.set MARKER, 0x80

	.globl _start
_start:
	cli
	xor	ax, ax
	mov	ds, ax
	mov	ss, ax
	mov	sp, 0x7000
	mov	ax, offset isr
	call	pic_init

	mov	si, CONFIG + 2
	mov	cl, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_TRIGGER_1
	mov	ch, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2
	call	uart_init
	mov	dx, word ptr [si]
	add	dx, UART_IER
	mov	al, UART_IER_RDI
	out	dx, al
	mov	cl, byte ptr [si + 2]
	call	pic_unmask
	out	MARKER, al			/* ready */
	sti
idle:
	hlt
	jmp	idle

isr:
	out	MARKER, al			/* the first instruction */
	pusha
1:	mov	dx, word ptr [CONFIG + 2]
	add	dx, UART_LSR
	in	al, dx
	test	al, UART_LSR_DR
	jz	2f
	mov	dx, word ptr [CONFIG + 2]
	in	al, dx				/* RBR */
	jmp	1b
2:	call	pic_eoi
	popa
	iret

#include "pc.inc"
