/**
 * @file lo.c  LD_PRELOAD shim for the Janus baseline of bench/audio.sh.
 *
 * Janus never gathers ICE candidates on a loopback interface (ice.c skips
 * every interface flagged IFF_LOOPBACK, and no setting changes that), but
 * the benchmarks use no address other than 127.0.0.1.  This shim wraps
 * getifaddrs() and clears IFF_LOOPBACK on the loopback entries, so Janus
 * (with ice_enforce_list = "127.0.0.1") binds its ICE sockets to
 * 127.0.0.1 and offers that host candidate.  Nothing else changes: the
 * list, its addresses and its memory are glibc's, and Janus's media path
 * (ICE, DTLS, SRTP, the AudioBridge mixer) runs unmodified.
 *
 * Used as: LD_PRELOAD=libtes_janus_lo.so janus --configs-folder=...
 */
#include <dlfcn.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stddef.h>

/**
 * getifaddrs() of the C library, with IFF_LOOPBACK cleared on loopback
 * interfaces.
 *
 * @param ifap  Receives the list (freeifaddrs() frees it, as usual)
 * @return 0, or -1 with errno set
 */
int getifaddrs(struct ifaddrs **ifap)
{
	int (*next)(struct ifaddrs **);
	struct ifaddrs *ifa;
	int ret;

	/* looked up on every call: Janus calls this once per PeerConnection
	 * and from several threads, so no cached pointer to race on */
	next = (int (*)(struct ifaddrs **))dlsym(RTLD_NEXT, "getifaddrs");
	if (!next) {
		errno = ENOSYS;
		return -1;
	}
	ret = next(ifap);
	if (ret)
		return ret;
	for (ifa = *ifap; ifa; ifa = ifa->ifa_next)
		ifa->ifa_flags &= ~(unsigned int)IFF_LOOPBACK;

	return 0;
}
