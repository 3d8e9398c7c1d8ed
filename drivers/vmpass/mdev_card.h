/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mdev_card.h - COM ports as a mediated PCI serial card for VFIO.
 *
 * Built only for kernels with mediated devices (CONFIG_VFIO_MDEV) and
 * VFIO's eventfd helpers (CONFIG_VFIO_VIRQFD); elsewhere these do nothing.
 */
#ifndef VMPASS_MDEV_CARD_H
#define VMPASS_MDEV_CARD_H

#if IS_ENABLED(CONFIG_VFIO_MDEV) && IS_ENABLED(CONFIG_VFIO_VIRQFD)
int mdev_card_register(void);
void mdev_card_unregister(void);
#else
static inline int mdev_card_register(void)
{
	return 0;
}

static inline void mdev_card_unregister(void)
{
}
#endif

#endif /* VMPASS_MDEV_CARD_H */
