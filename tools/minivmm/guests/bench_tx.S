/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_tx.S - guest->host throughput: send N bytes on every COM port of
 * the table at 0x500, polling LSR.THRE as a DOS program does, then a FIFO
 * load of 16 bytes with "out dx, al" in a loop (mode 0) or one
 * "rep outsb" (mode 1). N (dword) is at 0x4fc and the mode (word) at
 * 0x4f8 (minivmm --arg, --mode). Ends with a write to port 0xf4.
 *
 * Built with -DBOOT_SECTOR it is a floppy boot sector for a PC BIOS
 * (bench_tx_boot.img): one port at 0x3f8, 64 KiB, mode 0.
 */
#include <linux/serial_reg.h>

	.code16
	.intel_syntax noprefix

	.set CONFIG, 0x500
	.set ARG_MODE, 0x4f8
	.set ARG_COUNT, 0x4fc
	.set LEFT, 0x800		/* dword per port: bytes still to send */
	.set DEBUG_EXIT, 0xf4

	.globl _start
_start:
	cli
	xor	ax, ax
	mov	ds, ax
	mov	es, ax
	mov	ss, ax
	mov	sp, 0x7000
	cld
#ifdef BOOT_SECTOR
	mov	word ptr [CONFIG], 1
	mov	word ptr [CONFIG + 2], 0x3f8
	mov	word ptr [ARG_MODE], 0
	mov	dword ptr [ARG_COUNT], 65536
#endif

	/* 115200 8N1, FIFOs on, DTR and RTS; LEFT = N. */
	mov	cx, word ptr [CONFIG]
	mov	si, CONFIG + 2
	mov	di, LEFT
1:	push	cx
	mov	cl, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT
	mov	ch, UART_MCR_DTR | UART_MCR_RTS
	call	uart_init
	pop	cx
	mov	eax, dword ptr [ARG_COUNT]
	mov	dword ptr [di], eax
	add	si, 4
	add	di, 4
	loop	1b

send:
	xor	bp, bp				/* ports with bytes left */
	mov	cx, word ptr [CONFIG]
	mov	si, CONFIG + 2
	mov	di, LEFT
2:	mov	eax, dword ptr [di]
	test	eax, eax
	jz	5f
	inc	bp
	mov	dx, word ptr [si]
	add	dx, UART_LSR
	in	al, dx
	test	al, UART_LSR_THRE
	jz	5f
	mov	eax, dword ptr [di]		/* n = min(16, left) */
	mov	ebx, 16
	cmp	eax, ebx
	jae	3f
	mov	ebx, eax
3:	sub	dword ptr [di], ebx
	mov	dx, word ptr [si]		/* THR */
	push	cx
	mov	cx, bx
	cmp	word ptr [ARG_MODE], 0
	jne	4f
	mov	al, 'U'
6:	out	dx, al
	loop	6b
	jmp	7f
4:	push	si
	mov	si, offset pattern
	rep	outsb
	pop	si
7:	pop	cx
5:	add	si, 4
	add	di, 4
	loop	2b
	test	bp, bp
	jnz	send

	xor	al, al
	out	DEBUG_EXIT, al
	hlt

pattern:
	.ascii	"UUUUUUUUUUUUUUUU"

#include "pc.inc"

#ifdef BOOT_SECTOR
	.org	510
	.byte	0x55, 0xaa
#endif
