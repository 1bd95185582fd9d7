/* SPDX-License-Identifier: MIT */
/*
 * fuzz_hda_trace.c - libFuzzer target for the QEMU trace-line parser and
 * the capture behind it (controller model, pairing), the path every line
 * of an untrusted trace takes.
 *
 * Input: trace text, lines separated by '\n'.  Each line goes through
 * hda_trace_parse() (whose promises are checked) and through a capture
 * over a 1 MiB guest RAM (a memfd, "flat" layout, filled with a pattern so
 * CORB and RIRB slots hold varied words), whose sink checks the order.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memwire/hda.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM (1u << 20)

static struct hda_mem *mem;
static uint64_t last_seq;

static void init_mem(void)
{
	char path[64];
	uint32_t *p;
	int fd;
	size_t i;

	fd = memfd_create("fuzz-ram", 0);
	if (fd < 0 || ftruncate(fd, RAM))
		abort();
	p = mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		abort();
	for (i = 0; i < RAM / 4; i++)
		p[i] = (uint32_t)(i * 2654435761u);
	munmap(p, RAM);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (hda_mem_open_ram(path, HDA_MACHINE_FLAT, 0, &mem))
		abort();
}

static int sink(void *arg, const struct hda_exchange *x)
{
	(void)arg;
	if (x->seq != last_seq + 1)
		abort();
	last_seq = x->seq;
	if (x->unsolicited && x->has_verb)
		abort();
	if (!x->has_verb && !x->unsolicited)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hda_capture_opts o = { 0 };
	struct hda_capture *c;
	const char *p = (const char *)data, *end = p + size;

	if (!mem)
		init_mem();
	last_seq = 0;
	o.mem = mem;
	o.sink = sink;
	if (hda_capture_new(&o, &c))
		abort();
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct hda_trace_event ev;
		int ret = hda_trace_parse(p, len, &ev);

		if (ret == 1) {
			if (ev.size != 1 && ev.size != 2 && ev.size != 4 &&
			    ev.size != 8)
				abort();
			if (ev.dev_len &&
			    (ev.dev < p || ev.dev + ev.dev_len > p + len))
				abort();
		} else if (ret != 0 && ret != -EINVAL) {
			abort();
		}
		if (hda_capture_line(c, p, len))
			abort();
		p += len + 1;
	}
	if (hda_capture_flush(c))
		abort();
	hda_capture_free(c);
	return 0;
}
