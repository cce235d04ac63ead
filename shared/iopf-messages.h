/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The journal MESSAGE_IDs of the events iopfd logs, as systemd's
 * sd-messages.h: "journalctl MESSAGE_ID=..." finds every event of a kind,
 * whatever its text says.  iopfd(8), JOURNAL, lists them with their fields.
 * An id never changes: admins' filters and alerts match it.  A new kind of
 * event gets a new one (systemd-id128 new).
 */

/* A VMM registered a VM: VM=, VM_ID=, VMM_PID=, VMM_UID=. */
#define IOPF_MESSAGE_VM_REGISTERED        "27982dad929f48bbb90c05ca5aefe0ec"
/* A restarted iopfd serves a VM again from the fd store: VM=, VM_ID=, VMM_PID=. */
#define IOPF_MESSAGE_VM_RESTORED          "43e1105c268140eb81e1a31b344ee1d4"
/* A registration was refused: VMM_PID=, VMM_UID=, ERRNO=. */
#define IOPF_MESSAGE_REGISTRATION_REFUSED "a4b5bb35f41349f7af07ff3a85fed9d5"
/* A VM's registration ended, the kernel answers its faults: VM=, VM_ID=, VMM_PID=. */
#define IOPF_MESSAGE_VM_DISCONNECTED      "cc904c81431945b492c6d90e71bac0c7"
/* iopfd stopped serving a VM on an error, or could not serve it again: VM=, VM_ID=, ERRNO=. */
#define IOPF_MESSAGE_VM_DETACHED          "cd865258d7dc421a8853edc75e89733e"
/* Faults iopfd left to the kernel: VM=, ERRNO=, and DEVICE=, IOVA= for one fault or FAULTS=. */
#define IOPF_MESSAGE_FAULT_UNRESOLVED     "da4122562c164915b864a12461ce066f"
/* The fault ring was full, the kernel answered faults itself: VM=, FAULTS=. */
#define IOPF_MESSAGE_RING_OVERFLOW        "aa7f4c7d05f94e8b9ae85edb982ec0a4"
/* A VM's ring was written by someone other than the kernel: VM=, ERRNO=EBADMSG. */
#define IOPF_MESSAGE_RING_CORRUPT         "263bdf8f20fc4534ae9913a521c88a92"
