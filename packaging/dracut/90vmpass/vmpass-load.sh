#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# dracut pre-udev hook: load vmpass before udev loads device drivers.
modprobe vmpass
