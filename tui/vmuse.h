/* vmuse: each running VM's CPU % and memory, from its QEMU's /proc/PID/stat,
 * read once per sample (the TUI's one-second tick; never per key or per
 * event), with a sparkline of the CPU. Owned by src_vm. */
#ifndef VMDECK_TUI_VMUSE_H
#define VMDECK_TUI_VMUSE_H

#include "tui/model.h"

#include <stdbool.h>
#include <stdint.h>

struct vmm;
struct vmuse;

struct vmuse *vmuse_new(void);
void vmuse_free(struct vmuse *u);
/* Read every live VM's /proc/PID/stat once (now_us: CLOCK_MONOTONIC); VMs
 * that are gone are forgotten, a new pid starts a new history. Returns
 * whether any VM is live (the list then has something new to show). */
bool vmuse_sample(struct vmuse *u, struct vmm *vmm, uint64_t now_us);
/* Copy what is known of v's VM into v (has_usage false when nothing). */
void vmuse_apply(const struct vmuse *u, struct mvm *v);
/* CPU % of one CPU from two readings dt_us apart (pure; unit-tested). */
double vmuse_cpu_pct(unsigned long long ticks_before, unsigned long long ticks_now, uint64_t dt_us, long clk_tck);

#endif
