/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The service manager's watchdog (WatchdogSec=): when it is on, a timerfd in
 * the event loop sends WATCHDOG=1 at half the interval, so a loop that stops
 * turning gets iopfd restarted.
 */

#include "loop.h"

/* Adds @src to @l if the watchdog is on; @src needs watchdog_stop() after loop_done(). */
int watchdog_start(struct loop *l, struct loop_source *src);
void watchdog_stop(struct loop_source *src);
