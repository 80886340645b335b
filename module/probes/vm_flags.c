// SPDX-License-Identifier: GPL-2.0
/* vm_flags became private, changed through vm_flags_mod() (6.3). */
#include <linux/mm.h>

void probe(struct vm_area_struct *vma, vm_flags_t set, vm_flags_t clear)
{
#if defined(SEMCTL_HAVE_VM_FLAGS_MOD)
	vm_flags_mod(vma, set, clear);
#elif defined(SEMCTL_VM_FLAGS_WRITABLE)
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
#endif
}
