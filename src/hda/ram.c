/* SPDX-License-Identifier: MIT */
/*
 * ram.c - guest memory from the RAM file QEMU shares, and what every
 * guest-memory backend has in common.
 *
 * QEMU started with
 *   -object memory-backend-file,id=mem,size=S,mem-path=FILE,share=on
 *   -machine memory-backend=mem
 * keeps the guest's RAM in FILE: byte N of the file is byte N of the RAM
 * block.  The RAM block is not guest-physical memory as is: x86 machines
 * leave a hole below 4 GiB for PCI, so the block is split in two aliases
 * (QEMU 7.2, hw/i386/pc_piix.c pc_init1 and hw/i386/pc_q35.c pc_q35_init;
 * checked with `info mtree -f` on Debian's 7.2.22):
 *
 *   pc (i440fx)  max-ram-below-4g defaults to 3.5 GiB (0xe0000000); when
 *                the RAM is at least that, the low part is cut to 3 GiB
 *                (0xc0000000, "gigabyte_align") and the rest sits at 4 GiB.
 *                -m 4G: [0, 0xc0000000) and [4G, 5G) = file [3G, 4G).
 *   q35          RAM of 0xb0000000 (2.75 GiB) or more: the low part is
 *                2 GiB (0x80000000), else all of it is low (up to
 *                0xb0000000); then capped by max-ram-below-4g.
 *                -m 3G: [0, 2G) and [4G, 5G) = file [2G, 3G).
 *
 * Guest-physical [0, low) is file [0, low); [4 GiB, 4 GiB + high) is file
 * [low, low + high).  Anything else (the PCI hole, MMIO, beyond the RAM)
 * is not RAM: a ring there is the guest's mistake or a lie, and reading it
 * gives -EFAULT.  The legacy VGA window 0xa0000..0xfffff overlays RAM that
 * the file still holds; no driver puts a ring there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core_i.h"
#include "hda/capture_i.h"

#define GIB (1ull << 30)
#define FOUR_GIB (4ull << 30)

int hda_machine_parse(const char *name, enum hda_machine *out)
{
	/* QEMU's names: "q35", "pc-q35-7.2"; "pc", "pc-i440fx-7.2",
	 * "pc-1.0" ... (the versioned names of both start with "pc-"). */
	if (strstr(name, "q35"))
		*out = HDA_MACHINE_Q35;
	else if (!strcmp(name, "pc") || !strncmp(name, "pc-", 3) ||
		 !strcmp(name, "i440fx"))
		*out = HDA_MACHINE_PC;
	else if (!strcmp(name, "flat"))
		*out = HDA_MACHINE_FLAT;
	else
		return mw_err(-EINVAL,
			      "machine '%s' is not supported (pc, q35 or "
			      "flat)",
			      name);
	return 0;
}

int hda_mem_ram_layout(enum hda_machine machine, uint64_t ram_size,
		       uint64_t below_4g, uint64_t *low)
{
	uint64_t lowmem;

	if (below_4g > FOUR_GIB)
		return mw_err(-EINVAL, "below-4g size 0x%llx is above 4 GiB",
			      (unsigned long long)below_4g);
	switch (machine) {
	case HDA_MACHINE_PC:
		lowmem = below_4g ? below_4g : 0xe0000000ull;
		if (ram_size >= lowmem) {
			if (lowmem > 0xc0000000ull)
				lowmem = 0xc0000000ull;
		} else {
			lowmem = ram_size;
		}
		break;
	case HDA_MACHINE_Q35:
		lowmem = ram_size >= 0xb0000000ull ? 0x80000000ull
						   : 0xb0000000ull;
		if (below_4g && lowmem > below_4g)
			lowmem = below_4g;
		if (ram_size < lowmem)
			lowmem = ram_size;
		break;
	case HDA_MACHINE_FLAT:
		lowmem = ram_size;
		break;
	default:
		return mw_err(-EINVAL, "unknown machine %d", (int)machine);
	}
	*low = lowmem;
	return 0;
}

int64_t hda_mem_offset(const struct hda_mem *m, uint64_t gpa, size_t len)
{
	uint64_t end = gpa + len;

	if (end < gpa)
		goto fault;
	if (!m->layout_known)
		return (int64_t)gpa;
	if (end <= m->low)
		return (int64_t)gpa;
	if (gpa >= FOUR_GIB && end - FOUR_GIB <= m->high)
		return (int64_t)(m->low + (gpa - FOUR_GIB));
fault:
	if (m->high)
		return mw_err(-EFAULT,
			      "0x%llx..0x%llx is outside guest RAM "
			      "(0..0x%llx, 0x100000000..0x%llx)",
			      (unsigned long long)gpa, (unsigned long long)end,
			      (unsigned long long)m->low,
			      (unsigned long long)(FOUR_GIB + m->high));
	return mw_err(-EFAULT,
		      "0x%llx..0x%llx is outside guest RAM (0..0x%llx)",
		      (unsigned long long)gpa, (unsigned long long)end,
		      (unsigned long long)m->low);
}

struct ram_mem {
	struct hda_mem m;
	const uint8_t *map;
	size_t size;
};

static int ram_read(struct hda_mem *m, uint64_t gpa, void *buf, size_t len)
{
	struct ram_mem *r = (struct ram_mem *)m;
	int64_t off = hda_mem_offset(m, gpa, len);

	if (off < 0)
		return (int)off;
	/* NOTE: the file is QEMU's, not the guest's: the guest cannot
	 * shrink it, so the mapping stays valid for the whole run. */
	memcpy(buf, r->map + off, len);
	return 0;
}

static void ram_close(struct hda_mem *m)
{
	struct ram_mem *r = (struct ram_mem *)m;

	if (r->map)
		munmap((void *)r->map, r->size);
	free(r);
}

static const char *machine_name(enum hda_machine m)
{
	return m == HDA_MACHINE_PC ? "pc" : m == HDA_MACHINE_Q35 ? "q35"
								 : "flat";
}

int hda_mem_open_ram(const char *path, enum hda_machine machine,
		     uint64_t below_4g, struct hda_mem **out)
{
	struct ram_mem *r;
	struct stat st;
	uint64_t low;
	int fd, ret;
	void *map;

	mw_clear_error();
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mw_errno("guest RAM file %s", path);
	if (fstat(fd, &st)) {
		ret = mw_errno("guest RAM file %s", path);
		goto err_close;
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0) {
		ret = mw_err(-EINVAL,
			     "guest RAM file %s is not a non-empty regular "
			     "file",
			     path);
		goto err_close;
	}
	ret = hda_mem_ram_layout(machine, (uint64_t)st.st_size, below_4g,
				 &low);
	if (ret)
		goto err_close;
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		ret = mw_errno("mmap of guest RAM file %s", path);
		goto err_close;
	}
	close(fd);
	r = calloc(1, sizeof(*r));
	if (!r) {
		munmap(map, (size_t)st.st_size);
		return mw_err(-ENOMEM, "out of memory");
	}
	r->map = map;
	r->size = (size_t)st.st_size;
	r->m.read = ram_read;
	r->m.close = ram_close;
	r->m.low = low;
	r->m.high = (uint64_t)st.st_size - low;
	r->m.layout_known = true;
	snprintf(r->m.desc, sizeof(r->m.desc),
		 "guest RAM file %s (%s, 0x%llx bytes: 0..0x%llx%s)", path,
		 machine_name(machine), (unsigned long long)st.st_size,
		 (unsigned long long)low,
		 r->m.high ? " and from 0x100000000" : "");
	*out = &r->m;
	return 0;

err_close:
	close(fd);
	return ret;
}

int hda_mem_read(struct hda_mem *m, uint64_t gpa, void *buf, size_t len)
{
	return m->read(m, gpa, buf, len);
}

const char *hda_mem_describe(const struct hda_mem *m)
{
	return m->desc;
}

int hda_mem_qmp_command(struct hda_mem *m, const char *json, char **reply)
{
	if (!m->command)
		return mw_err(-EOPNOTSUPP, "%s has no QMP", m->desc);
	return m->command(m, json, reply);
}

void hda_mem_close(struct hda_mem *m)
{
	if (m)
		m->close(m);
}
