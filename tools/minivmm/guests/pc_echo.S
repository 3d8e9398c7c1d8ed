/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pc_echo.S - a PC BIOS guest (a disk image: boot sector, table, code):
 * interrupt-driven echo on up to 8 COM ports at once, the way a DOS
 * terminal program drives its UARTs, for QEMU with vmpass-serial.
 *
 * The boot sector loads the rest of the image (EDD, from the boot drive)
 * to 0x7e00. The second sector is the table, which the test writes: a
 * word count, then per port a word I/O base (0: COMn's, n = 1-4, from the
 * BIOS data area), a byte IRQ and a byte of flags (PORT_7E1: 9600 7E1
 * instead of 115200 8N1; PORT_PCI: the port is port n, n being the word,
 * of the first PCI serial card of QEMU's pci-serial family on bus 0 (a
 * device's function 0), as a vmpass mdev card shows itself, its base
 * from BAR0 and its IRQ from the interrupt line the BIOS wrote, found by
 * configuration mechanism #1; a card that lacks either, or the port, ends
 * the run with a message).
 * The code after it:
 *
 * - prints the BIOS data area's COM1-COM4 bases (0x400) on the debug
 *   console (port 0xe9), as a DOS program would find its ports, and for
 *   a PCI port the card it found ("pci DEV BASE IRQ");
 * - programs both 8259s (IRQ 0-7 at vectors 8-15, 8-15 at 0x70-0x77)
 *   and points each IRQ's vector at its own entry, which counts how often
 *   it ran, then services the ports on that IRQ (and only those, as a DOS
 *   program's handler does) until none has an interrupt pending (so ports
 *   that share an IRQ work, and a port whose data keeps coming cannot
 *   starve the others), or for at most MAX_PASSES passes, after which it
 *   turns those ports' IER off and on again, so that what is still
 *   pending comes back as a new edge; then it sends a rotating EOI to both
 *   8259s, so that the IRQ just served has the lowest priority next (with
 *   fixed priorities, busy ports on the slave, behind IRQ 2, would starve
 *   IRQs 3-7 while the host keeps them fed faster than any line). A port
 *   whose IRQ never arrives, or arrives on another line, is never served:
 *   its echo stalls;
 * - sets each UART up with FIFOs (trigger 14), DTR, RTS and OUT2 (the
 *   PC's IRQ gate), the receive and line status interrupts, and unmasks
 *   its IRQ; prints "ready" and halts until interrupted. Received bytes go to a 4 KiB
 *   ring per port and are sent back, 16 at a time, on THRE interrupts
 *   and when LSR shows THRE after a receive (as a DOS driver does);
 *   a full ring turns the receive interrupt off, so the writer on the
 *   host is held back, not lost.
 *
 * A break received on the first port (a line status interrupt with
 * LSR.BI) ends the run: the guest prints, per port, its base, IRQ and
 * the bytes it received and sent, and per IRQ how often its handler
 * ran, then "end" and writes 0 to isa-debug-exit (port 0xf4).
 */
#include <linux/pci_regs.h>
#include <linux/serial_reg.h>

	.code16
	.intel_syntax noprefix

	.set TABLE, 0x7e00	/* count, {iobase, irq, flags}... */
	.set PORT_7E1, 1
	.set PORT_PCI, 2
	.set PCI_CONF_ADDR, 0xcf8	/* configuration mechanism #1 */
	.set PCI_CONF_DATA, 0xcfc
	.set PCI_VENDOR_REDHAT, 0x1b36
	.set PCI_SERIAL_FIRST, 0x0002	/* pci-serial, -2x, -4x */
	.set PCI_SERIAL_LAST, 0x0004
	.set STATE, 0x600	/* per port: head, tail, IER, pad, rx, tx: 16 bytes */
	.set IRQ_COUNT, 0x700	/* dword per IRQ */
	.set RING_SEG, 0x1000	/* rings at 0x10000, 4 KiB each */
	.set RING_MASK, 0xfff
	.set BDA_COM, 0x400
	.set DEBUGCON, 0xe9
	.set DEBUG_EXIT, 0xf4
	.set SECTORS, 7		/* the table and code after the boot sector */
	.set MAX_PASSES, 16	/* over all ports, per interrupt */
	.set PIC_ROTATE_EOI, 0xa0	/* OCW2: rotate on non-specific EOI */

	.globl _start
_start:
	cli
	xor	ax, ax
	mov	ds, ax
	mov	ss, ax
	mov	sp, 0x7000
	cld
	/* EDD read of SECTORS sectors from LBA 1 to 0x7e00 (dl: boot drive). */
	mov	si, offset dap
	mov	ah, 0x42
	int	0x13
	jc	load_failed
	jmp	main

load_failed:
	mov	si, offset msg_load
	call	puts
	jmp	finish

dap:
	.byte	0x10, 0
	.word	SECTORS
	.word	TABLE, 0
	.quad	1

/* puts: print the NUL-terminated string at si. Clobbers al, si. */
puts:
	lodsb
	test	al, al
	jz	1f
	out	DEBUGCON, al
	jmp	puts
1:	ret

/* finish: leave QEMU through isa-debug-exit; halt if there is none. */
finish:
	xor	al, al
	out	DEBUG_EXIT, al
	cli
1:	hlt
	jmp	1b

msg_load:
	.asciz	"pc_echo: cannot load the image\n"

	.org	510
	.byte	0x55, 0xaa

	/* The table: written by the test; an empty one here. */
	.word	0
	.org	1024

main:
	xor	ax, ax
	mov	es, ax
	/* The BIOS data area's COM ports, as DOS sees them. */
	mov	si, offset msg_bda
	call	puts
	mov	si, BDA_COM
	mov	cx, 4
1:	mov	al, ' '
	out	DEBUGCON, al
	lodsw
	call	print_word
	loop	1b
	mov	al, '\n'
	out	DEBUGCON, al

	/* Clear the per-port state and the counters. */
	mov	di, STATE
	mov	cx, (IRQ_COUNT + 16 * 4 - STATE) / 2
	xor	ax, ax
	rep	stosw

	/* Both 8259s, every IRQ masked, IRQ n's vector at irq_entry + 8n. */
	mov	ax, offset irq_entry
	call	pic_init
	mov	bx, 8 * 4
	mov	ax, offset irq_entry
	mov	cx, 16
2:	mov	word ptr [bx], ax
	add	ax, 8
	add	bx, 4
	cmp	cx, 9
	jne	3f
	mov	bx, 0x70 * 4
3:	loop	2b

	mov	ax, RING_SEG
	mov	es, ax
	mov	si, TABLE + 2
	mov	cx, word ptr [TABLE]
	cmp	cx, 8
	jbe	4f
	mov	cx, 8
4:	mov	word ptr [nports], cx
	xor	bx, bx
	jcxz	idle
5:	call	setup_port
	add	si, 4
	inc	bx
	loop	5b

	mov	si, offset msg_ready
	call	puts
	sti
idle:
	hlt
	cmp	byte ptr [done], 0
	je	idle
	cli
	call	print_report
	jmp	finish

/*
 * setup_port: si = table entry, bx = port index; base 0: COMn's from the
 * BIOS; PORT_PCI: port n of the PCI card.
 */
setup_port:
	push	cx
	test	byte ptr [si + 3], PORT_PCI
	jz	3f
	call	pci_find_card
	jnc	4f
	mov	si, offset msg_no_card
	call	puts
	jmp	finish
4:	mov	dx, word ptr [si]
	test	dh, dh				/* a port the card has? */
	jnz	6f
	cmp	dl, ch
	jb	5f
6:	mov	si, offset msg_no_port
	call	puts
	jmp	finish
5:	shl	dx, 3				/* 8 registers per port */
	add	ax, dx
	mov	word ptr [si], ax
	mov	byte ptr [si + 2], cl
	jmp	2f
3:	cmp	word ptr [si], 0
	jne	2f
	cmp	bx, 4
	jae	2f
	mov	di, bx
	add	di, di
	mov	ax, word ptr [BDA_COM + di]
	mov	word ptr [si], ax
2:	mov	cl, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT | UART_FCR_TRIGGER_14
	mov	ch, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2
	call	uart_init
	test	byte ptr [si + 3], PORT_7E1
	jz	1f
	/* 9600 7E1: divisor 12, 7 bits, even parity. */
	mov	dx, word ptr [si]
	add	dx, UART_LCR
	mov	al, UART_LCR_DLAB
	out	dx, al
	mov	dx, word ptr [si]		/* UART_DLL */
	mov	al, 12
	out	dx, al
	mov	dx, word ptr [si]
	add	dx, UART_LCR
	mov	al, UART_LCR_WLEN7 | UART_LCR_PARITY | UART_LCR_EPAR
	out	dx, al
1:	mov	dx, word ptr [si]
	add	dx, UART_LSR
	in	al, dx				/* drop stale line status */
	mov	dx, word ptr [si]		/* UART_RX */
	in	al, dx				/* and anything stale */
	mov	al, UART_IER_RDI | UART_IER_RLSI
	call	set_ier
	mov	cl, byte ptr [si + 2]
	call	pic_unmask
	pop	cx
	ret

/* pci_conf: eax = the configuration address; the dword there in eax. Clobbers dx. */
pci_conf:
	mov	dx, PCI_CONF_ADDR
	out	dx, eax
	mov	dx, PCI_CONF_DATA
	in	eax, dx
	ret

/*
 * pci_find_card: the first device on bus 0 whose function 0 is
 * 1b36:0002-0004 (1, 2 or 4 ports), printed as "pci DEV BASE IRQ": ax =
 * its BAR0 I/O base, cl = its interrupt line, ch = its number of ports;
 * CF set if there is none, or if its BAR0 is not an assigned I/O BAR or
 * its interrupt line not an ISA IRQ (1-15). Clobbers eax, dx.
 */
pci_find_card:
	push	si
	push	ebx
	mov	ebx, 0x80000000			/* enable, bus 0, device 0 */
1:	mov	eax, ebx
	call	pci_conf
	cmp	ax, PCI_VENDOR_REDHAT
	jne	2f
	shr	eax, 16
	cmp	ax, PCI_SERIAL_FIRST
	jb	2f
	cmp	ax, PCI_SERIAL_LAST
	jbe	3f
2:	add	ebx, 1 << 11			/* the next device */
	cmp	ebx, 0x80000000 + (32 << 11)
	jb	1b
7:	pop	ebx
	pop	si
	stc
	ret
3:	mov	cl, al				/* ports: 1 << (ID - 2) */
	sub	cl, PCI_SERIAL_FIRST
	mov	ch, 1
	shl	ch, cl
	mov	eax, ebx
	or	al, PCI_INTERRUPT_LINE
	call	pci_conf
	mov	cl, al
	mov	eax, ebx
	or	al, PCI_BASE_ADDRESS_0
	call	pci_conf
	test	al, PCI_BASE_ADDRESS_SPACE_IO
	jz	7b
	and	ax, 0xfffc			/* an I/O BAR's address bits */
	jz	7b
	test	cl, cl
	jz	7b
	cmp	cl, 15
	ja	7b
	push	ax
	mov	si, offset msg_pci
	call	puts
	mov	eax, ebx
	shr	eax, 11
	and	al, 31
	call	print_byte
	mov	al, ' '
	out	DEBUGCON, al
	pop	ax
	call	print_word
	push	ax
	mov	al, ' '
	out	DEBUGCON, al
	mov	al, cl
	call	print_byte
	mov	al, '\n'
	out	DEBUGCON, al
	pop	ax
	pop	ebx
	pop	si
	clc
	ret

/* di = state of port bx. */
port_state:
	mov	di, bx
	shl	di, 4
	add	di, STATE
	ret

/* set_ier: al = new IER of port bx at table entry si; writes on a change. */
set_ier:
	push	di
	call	port_state
	cmp	byte ptr [di + 4], al
	je	1f
	mov	byte ptr [di + 4], al
	mov	dx, word ptr [si]
	add	dx, UART_IER
	out	dx, al
1:	pop	di
	ret

/* One 8-byte entry per IRQ: push ax; mov al, n; jmp irq_common. */
	.balign	8
irq_entry:
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	push	ax
	mov	al, \n
	jmp	irq_common
	.balign	8
	.endr

irq_common:
	pusha
	push	es
	push	ds
	xor	bx, bx
	mov	ds, bx
	mov	bx, RING_SEG
	mov	es, bx
	cld
	xor	ah, ah
	mov	byte ptr [cur_irq], al
	mov	bx, ax
	shl	bx, 2
	add	dword ptr [IRQ_COUNT + bx], 1
	mov	word ptr [passes], MAX_PASSES
1:	xor	bp, bp				/* set when a port was serviced */
	mov	si, TABLE + 2
	mov	cx, word ptr [nports]
	xor	bx, bx
2:	mov	al, byte ptr [cur_irq]
	cmp	al, byte ptr [si + 2]		/* a port on this IRQ? */
	jne	4f
	call	service_port
4:	add	si, 4
	inc	bx
	loop	2b
	test	bp, bp
	jz	3f
	dec	word ptr [passes]
	jnz	1b
	call	kick_ports			/* still busy: leave, and come back */
3:	mov	al, PIC_ROTATE_EOI
	out	0xa0, al			/* PIC2 (pc.inc's names come later) */
	out	0x20, al			/* PIC1 */
	pop	ds
	pop	es
	popa
	pop	ax
	iret

/*
 * kick_ports: IER to 0 and back on the ports of this IRQ, so that an interrupt still
 * pending is a new rising edge on its IRQ (the 8259 is edge-triggered):
 * the handler can then leave a busy port for its next interrupt.
 */
kick_ports:
	mov	si, TABLE + 2
	mov	cx, word ptr [nports]
	xor	bx, bx
1:	mov	al, byte ptr [cur_irq]
	cmp	al, byte ptr [si + 2]
	jne	2f
	call	port_state
	mov	dx, word ptr [si]
	add	dx, UART_IER
	xor	al, al
	out	dx, al
	mov	al, byte ptr [di + 4]
	out	dx, al
2:	add	si, 4
	inc	bx
	loop	1b
	ret

/*
 * service_port: si = table entry, bx = port index. Handles one pending
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
	/*
	 * And send while the transmitter is empty, as a DOS driver's
	 * receive path does: the IIR names THRE only once no data waits,
	 * which, with the host writing faster than the guest reads, is
	 * when the ring is full, 4 KiB after the stream began. (The read
	 * clears LSR.BI: a break it shows is handled here.)
	 */
	mov	dx, word ptr [si]
	add	dx, UART_LSR
	in	al, dx
	test	al, UART_LSR_BI
	jnz	6f
	test	al, UART_LSR_THRE
	jz	8f
5:	call	port_transmit
	jmp	8f
3:	mov	dx, word ptr [si]
	add	dx, UART_LSR
	in	al, dx
6:	test	al, UART_LSR_BI
	jz	8f
	call	port_break
	jmp	8f
4:	mov	dx, word ptr [si]
	add	dx, UART_MSR
	in	al, dx
	jmp	9f
8:	call	update_ier
9:	pop	cx
	ret

/* ax = bytes in the ring of port bx; di = its state. */
ring_count:
	call	port_state
	mov	ax, word ptr [di + 2]
	sub	ax, word ptr [di]
	and	ax, RING_MASK
	ret

/*
 * LSR showed a break, which that read cleared: a break on the first port
 * ends the run. The break's NUL is not data.
 */
port_break:
	test	bx, bx
	jnz	1f
	mov	byte ptr [done], 1
1:	mov	dx, word ptr [si]
	in	al, dx
	ret

/*
 * Read up to 16 bytes, while the UART has data and the ring has room. A
 * break that comes meanwhile is handled here: the LSR read that shows it
 * clears it.
 */
port_receive:
	mov	cx, 16
1:	push	cx
	call	ring_count
	pop	cx
	cmp	ax, RING_MASK
	je	9f
	mov	dx, word ptr [si]
	add	dx, UART_LSR
	in	al, dx
	test	al, UART_LSR_BI
	jnz	8f
	test	al, UART_LSR_DR
	jz	9f
	mov	dx, word ptr [si]		/* UART_RX */
	in	al, dx
	push	bx
	shl	bx, 12
	add	bx, word ptr [di + 2]
	mov	byte ptr es:[bx], al
	pop	bx
	mov	ax, word ptr [di + 2]
	inc	ax
	and	ax, RING_MASK
	mov	word ptr [di + 2], ax
	add	dword ptr [di + 8], 1
	loop	1b
9:	ret
8:	jmp	port_break

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
	add	dword ptr [di + 12], 1
	loop	1b
9:	ret

/* IER: line status always; receive while the ring has room, THRE while it has bytes. */
update_ier:
	call	ring_count
	mov	cl, UART_IER_RLSI
	cmp	ax, RING_MASK
	je	1f
	or	cl, UART_IER_RDI
1:	test	ax, ax
	jz	2f
	or	cl, UART_IER_THRI
2:	mov	al, cl
	jmp	set_ier

/* print_report: per port and per IRQ, on the debug console. */
print_report:
	mov	si, TABLE + 2
	mov	cx, word ptr [nports]
	xor	bx, bx
	jcxz	3f
1:	push	si
	mov	si, offset msg_port
	call	puts
	pop	si
	mov	al, bl
	call	print_byte
	mov	al, ' '
	out	DEBUGCON, al
	mov	ax, word ptr [si]
	call	print_word
	mov	al, ' '
	out	DEBUGCON, al
	mov	al, byte ptr [si + 2]
	call	print_byte
	call	port_state
	mov	al, ' '
	out	DEBUGCON, al
	mov	eax, dword ptr [di + 8]
	call	print_dword
	mov	al, ' '
	out	DEBUGCON, al
	mov	eax, dword ptr [di + 12]
	call	print_dword
	mov	al, '\n'
	out	DEBUGCON, al
	add	si, 4
	inc	bx
	loop	1b
3:	xor	bx, bx
4:	mov	eax, dword ptr [IRQ_COUNT + bx]
	test	eax, eax
	jz	5f
	mov	si, offset msg_irq
	call	puts
	mov	ax, bx
	shr	ax, 2
	call	print_byte
	mov	al, ' '
	out	DEBUGCON, al
	mov	eax, dword ptr [IRQ_COUNT + bx]
	call	print_dword
	mov	al, '\n'
	out	DEBUGCON, al
5:	add	bx, 4
	cmp	bx, 16 * 4
	jb	4b
	mov	si, offset msg_end
	jmp	puts

/* Hex output: print_dword (eax), print_word (ax), print_byte (al). */
print_dword:
	push	eax
	shr	eax, 16
	call	print_word
	pop	eax
print_word:
	push	ax
	mov	al, ah
	call	print_byte
	pop	ax
print_byte:
	push	ax
	shr	al, 4
	call	print_nibble
	pop	ax
print_nibble:
	push	ax
	and	al, 0xf
	add	al, '0'
	cmp	al, '9'
	jbe	1f
	add	al, 'a' - '9' - 1
1:	out	DEBUGCON, al
	pop	ax
	ret

msg_bda:
	.asciz	"bda"
msg_port:
	.asciz	"port "
msg_irq:
	.asciz	"irq "
msg_end:
	.asciz	"end\n"
msg_ready:
	.asciz	"ready\n"
msg_pci:
	.asciz	"pci "
msg_no_card:
	.asciz	"pc_echo: no PCI serial card with an I/O BAR0 and an ISA IRQ\n"
msg_no_port:
	.asciz	"pc_echo: the PCI serial card has no such port\n"
nports:
	.word	0
passes:
	.word	0
cur_irq:
	.byte	0
done:
	.byte	0

#include "pc.inc"

	.org	512 * (SECTORS + 1)
