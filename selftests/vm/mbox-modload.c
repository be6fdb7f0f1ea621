// SPDX-License-Identifier: GPL-2.0
/*
 * mbox-modload: the VM's module loader.
 *
 *   mbox-modload load PATH [OPTIONS]   insert the module at PATH
 *   mbox-modload unload NAME           remove it, refusing while in use
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modload.h"

int main(int argc, char **argv)
{
	int ret;

	if (argc >= 3 && argc <= 4 && !strcmp(argv[1], "load")) {
		ret = modload_insert(argv[2], argc == 4 ? argv[3] : NULL);
	} else if (argc == 3 && !strcmp(argv[1], "unload")) {
		ret = modload_remove(argv[2]);
	} else {
		fprintf(stderr, "usage: %s load PATH [OPTIONS] | unload NAME\n", argv[0]);
		return 2;
	}
	if (ret < 0) {
		fprintf(stderr, "mbox-modload: %s %s: %s\n", argv[1], argv[2], strerror(-ret));
		return 1;
	}
	return 0;
}
