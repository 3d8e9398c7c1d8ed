/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - every difference between the kernels vmpass supports
 * (Debian's 6.1 and 6.12 series) lives here, and nowhere else.
 *
 * Differences that follow mainline releases are keyed on
 * LINUX_VERSION_CODE. Symbols that moved inside a stable series are probed
 * by the Kbuild conftests in conftest/ (see scripts/conftest.sh) and show up
 * as VMPASS_HAVE_* in the generated conftest.h.
 */
#ifndef VMPASS_COMPAT_H
#define VMPASS_COMPAT_H

#include <linux/version.h>
#include <conftest.h>

#endif /* VMPASS_COMPAT_H */
