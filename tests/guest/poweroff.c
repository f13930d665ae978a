// SPDX-License-Identifier: MIT
/* An init that stops the VM at once: the floor a vouch run is measured
 * against (bench/run_overhead.sh). */
#include <sys/reboot.h>
#include <unistd.h>

int main(void)
{
	sync();
	reboot(RB_AUTOBOOT);
	return 0;
}
