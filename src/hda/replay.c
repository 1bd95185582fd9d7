/* SPDX-License-Identifier: MIT */
/*
 * replay.c - verbs sent to a real codec through the HDA hwdep device.
 *
 * /dev/snd/hwC<card>D<codec> (CONFIG_SND_HDA_HWDEP) answers the ioctls of
 * alsa-tools' hda_hwdep.h (hda.md 2.5):
 *
 *   HDA_IOCTL_PVERSION   _IOR('H', 0x10, int)    >= HDA_HWDEP_VERSION 0x010000
 *   HDA_IOCTL_VERB_WRITE _IOWR('H', 0x11, struct hda_verb_ioctl)
 *
 * The kernel reads the word as nid = verb >> 24, verb = (verb >> 8) &
 * 0xffff, param = verb & 0xff and sends codec_addr << 28 | nid << 20 |
 * verb << 8 | param: so the low 20 bits of our command word pass through
 * unchanged, whatever the verb form, and the codec is the device's.  Every
 * verb is a read: the ioctl waits for the codec's answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core_i.h"
#include "memwire/hda.h"

_Static_assert(sizeof(struct hda_verb_ioctl) == 8,
	       "hda_hwdep.h: struct hda_verb_ioctl is two u32");
_Static_assert(HDA_IOCTL_VERB_WRITE == 0xc0084811u,
	       "_IOWR('H', 0x11, 8 bytes) on Linux");

struct hda_replay {
	int fd;
	char path[256];
};

int hda_device_parse(const char *path, unsigned *card, unsigned *codec)
{
	const char *base = strrchr(path, '/');
	unsigned c, d;
	int n = 0;

	base = base ? base + 1 : path;
	if (sscanf(base, "hwC%uD%u%n", &c, &d, &n) != 2 || base[n] ||
	    d > 15 || c > 31)
		return mw_err(-EINVAL, "%s is not a hwdep device name "
				       "(hwC<card>D<codec>, codec 0..15)",
			      path);
	*card = c;
	*codec = d;
	return 0;
}

int hda_replay_open(const char *path, struct hda_replay **out)
{
	struct hda_replay *r;
	struct stat st;
	int fd, ver = 0, ret;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return mw_errno("%s", path);
	if (fstat(fd, &st)) {
		ret = mw_errno("%s", path);
		goto err_close;
	}
	if (!S_ISCHR(st.st_mode)) {
		ret = mw_err(-ENODEV, "%s is not a character device (an HDA "
				      "hwdep is /dev/snd/hwC<card>D<codec>)",
			     path);
		goto err_close;
	}
	if (ioctl(fd, HDA_IOCTL_PVERSION, &ver) < 0) {
		ret = mw_err(-ENODEV, "%s is not an HDA hwdep device "
				      "(HDA_IOCTL_PVERSION: %s)",
			     path, strerror(errno));
		goto err_close;
	}
	if (ver < HDA_HWDEP_VERSION) {
		ret = mw_err(-ENODEV, "%s: hwdep protocol 0x%x is older than "
				      "0x%x",
			     path, ver, HDA_HWDEP_VERSION);
		goto err_close;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		ret = mw_err(-ENOMEM, "out of memory");
		goto err_close;
	}
	r->fd = fd;
	snprintf(r->path, sizeof(r->path), "%s", path);
	*out = r;
	return 0;

err_close:
	close(fd);
	return ret;
}

int hda_replay_send(struct hda_replay *r, uint32_t word, uint32_t *res)
{
	struct hda_verb_ioctl v = { .verb = hda_hwdep_word(word) };

	if (ioctl(r->fd, HDA_IOCTL_VERB_WRITE, &v) < 0)
		return mw_errno("%s: HDA_IOCTL_VERB_WRITE 0x%08x", r->path,
				v.verb);
	*res = v.res;
	return 0;
}

void hda_replay_close(struct hda_replay *r)
{
	if (!r)
		return;
	close(r->fd);
	free(r);
}
