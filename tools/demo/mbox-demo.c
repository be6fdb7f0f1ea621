// SPDX-License-Identifier: GPL-2.0
/*
 * mbox-demo: the program behind "make demo". It shows what the running
 * module offers, through libmbox only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmbox.h>

static int show_info(void)
{
	struct mbox_info info;
	int ret;

	ret = mbox_info(&info);
	if (ret) {
		fprintf(stderr, "mbox-demo: cannot query %s: %s\n",
			MBOX_DEVICE_PATH, strerror(-ret));
		return -1;
	}
	printf("== %s ==\n", MBOX_DEVICE_PATH);
	printf("ABI version          %u\n", info.abi_version);
	printf("features             %#llx\n", (unsigned long long)info.features);
	printf("longest name         %u bytes\n", info.name_max);
	printf("message size         %u bytes by default, at most %u\n",
	       info.msg_size_default, info.msg_size_max);
	printf("mailbox capacity     %u messages by default, at most %u\n",
	       info.capacity_default, info.capacity_max);
	printf("per-user quota       %u mailboxes, %llu bytes queued\n",
	       info.user_mailboxes_max, (unsigned long long)info.user_bytes_max);
	return 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	return show_info() ? EXIT_FAILURE : EXIT_SUCCESS;
}
