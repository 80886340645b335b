// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/semctl: a misc device whose ioctls create, open and unlink
 * semaphores, each handed out as its own fd.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "semctl.h"

static const struct file_operations semctl_device_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= semctl_device_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice semctl_device = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "semctl",
	.fops	= &semctl_device_fops,
	.groups	= semctl_device_groups,
	.mode	= 0666,
};

static int __init semctl_init(void)
{
	int ret;

	ret = semctl_sem_cache_init();
	if (ret)
		return ret;
	ret = semctl_uring_init();
	if (ret)
		goto err_cache;
	ret = misc_register(&semctl_device);
	if (ret)
		goto err_uring;
	return 0;

err_uring:
	semctl_uring_exit();
err_cache:
	semctl_sem_cache_exit();
	return ret;
}

static void __exit semctl_exit(void)
{
	misc_deregister(&semctl_device);
	semctl_uring_exit();
	/* Every fd pins the module, so only the names hold semaphores now. */
	semctl_names_clear();
	semctl_sem_cache_exit();
}

module_init(semctl_init);
module_exit(semctl_exit);

MODULE_DESCRIPTION("Counting semaphores as file descriptors");
MODULE_AUTHOR("The semctl developers");
MODULE_LICENSE("GPL");
MODULE_VERSION("1.2.0");
