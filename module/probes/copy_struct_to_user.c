// SPDX-License-Identifier: GPL-2.0
/* copy_struct_to_user() (6.13), or its body open-coded. */
#include <linux/uaccess.h>

int probe(void __user *dst, size_t usize, const void *src, size_t ksize)
{
#if defined(SEMCTL_HAVE_COPY_STRUCT_TO_USER)
	return copy_struct_to_user(dst, usize, src, ksize, NULL);
#elif defined(SEMCTL_COPY_STRUCT_TO_USER_OPEN_CODED)
	if (clear_user(dst, usize))
		return -EFAULT;
	return copy_to_user(dst, src, ksize) ? -EFAULT : 0;
#endif
}
