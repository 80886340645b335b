/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels semctl builds against, one place only.
 * Each SEMCTL_HAVE_* comes from a probe of the kernel's headers in
 * module/Kbuild, never from a version number: distributions backport.
 */
#ifndef _SEMCTL_COMPAT_H
#define _SEMCTL_COMPAT_H

#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/uaccess.h>

/*
 * Write a size-versioned struct back: as much as the caller's @usize holds,
 * zero beyond what the kernel knows. Kernels from 6.13 provide this.
 */
#ifdef SEMCTL_HAVE_COPY_STRUCT_TO_USER
static inline int semctl_copy_struct_to_user(void __user *dst, size_t usize,
					     const void *src, size_t ksize)
{
	return copy_struct_to_user(dst, usize, src, ksize, NULL);
}
#else
static inline int semctl_copy_struct_to_user(void __user *dst, size_t usize,
					     const void *src, size_t ksize)
{
	size_t size = min(ksize, usize);

	if (usize > ksize && clear_user(dst + ksize, usize - ksize))
		return -EFAULT;
	if (copy_to_user(dst, src, size))
		return -EFAULT;
	return 0;
}
#endif

#endif /* _SEMCTL_COMPAT_H */
