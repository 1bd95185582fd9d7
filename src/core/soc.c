/* SPDX-License-Identifier: MIT */
/*
 * soc.c - one process's view of an emulated platform: which processor it
 * is, the hardware mutexes, doorbells and interrupt lines.
 *
 * Theory of operation
 * -------------------
 * The emulated hardware lives in the region's control page (layout.h), so
 * every process that maps the region sees the same registers.
 *
 * Processor slots.  A process attaches as one processor by a 64-bit
 * compare-and-swap of procs[i].owner from 0 to (start time << 32 | pid).
 * Liveness of a slot's owner is judged from /proc/<pid>/stat: gone, a
 * zombie, or a different start time all mean dead.  A dead owner is reaped:
 * owner -> REAPING (one reaper wins), release_all(its mutex id), owner -> 0.
 * Locks are released *before* the slot is freed, so a new owner of the slot
 * can never have its fresh locks released by a late reaper.
 *
 * Hardware mutex n (Qualcomm SFPB semantics, smem_smd.md §4.1):
 *   lock     cmpxchg(hwmutex[n], 0 -> id); the "write, read back" of the
 *            hardware, where a write only takes while the register is 0
 *   unlock   cmpxchg(hwmutex[n], id -> 0); refused if not the owner
 *   release  cmpxchg(hwmutex[n], dead id -> 0) for every n
 * Waiters spin a bounded number of times, then sleep on the register with
 * FUTEX_WAIT in slices of REAP_SLICE_MS; between slices they check that the
 * owner is still alive and reap it if not.  hwmutex_waiters[n] counts
 * sleepers so that an uncontended unlock makes no system call; the
 * waiters++ / load(register) and register = 0 / load(waiters) pairs are
 * sequentially consistent (a Dekker pair), so a waker sees the sleeper or
 * the sleeper sees the free register.
 *
 * Interrupt line i: lines[i].seq counts raises.  A raiser increments it and
 * wakes sleepers if lines[i].waiters says there are any; the target
 * remembers the last value it saw and returns the difference, so raises are
 * counted and never lost, and several raises before a wait coalesce into one
 * wake-up returning their number.  A doorbell write raises every line bound
 * to a set bit of the value written.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/barrier.h"
#include "core/core_i.h"
#include "core/layout.h"
#include "core/region_i.h"

#define REAP_SLICE_MS 20
#define OWNER_REAPING 0xffffffffu
/* Measured by `make bench` on a 2-core machine (a pause is ~30 ns there,
 * so 1000 is ~30 us, longer than a futex wake-up): see docs/core.md. */
#define DEFAULT_SPIN 1000

struct spin {
	unsigned budget; /* pause iterations for the next wait */
	unsigned waits;  /* waits on a reduced budget, for the probe */
};

struct irq_fd {
	struct mw_soc *s;
	unsigned line;
	int efd;
	_Atomic int stop;
	pthread_t thread;
};

struct mw_soc {
	struct mw_region *r;
	struct mw_ctl *ctl; /* shared control page */
	const struct mw_platform *plat;
	int self;      /* processor index, -1 for an observer */
	uint32_t hwid; /* value we write into mutex registers */
	uint64_t owner; /* what we stored in procs[self].owner */
	unsigned spin; /* upper bound of the adaptive spin */
	struct spin line_spin[MW_MAX_LINES];
	struct spin lock_spin[MW_HWMUTEX_COUNT];
	uint32_t seen[MW_MAX_LINES]; /* private: last lines[i].seq returned */
	pthread_mutex_t local[MW_HWMUTEX_COUNT];
	pthread_mutex_t fd_lock;
	struct irq_fd *fds[MW_MAX_LINES];
};

/* ------------------------------------------------------------- helpers */

static long futex(uint32_t *uaddr, int op, uint32_t val,
		  const struct timespec *ts)
{
	/* Shared (not FUTEX_PRIVATE) futexes: the word is in a MAP_SHARED
	 * mapping and the other side is another process. */
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

static int futex_wait(uint32_t *uaddr, uint32_t val, int timeout_ms)
{
	struct timespec ts, *tp = NULL;

	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
		tp = &ts;
	}
	if (futex(uaddr, FUTEX_WAIT, val, tp) == 0)
		return 0;
	return -errno; /* EAGAIN: value changed; ETIMEDOUT; EINTR */
}

static void futex_wake(uint32_t *uaddr, int n)
{
	futex(uaddr, FUTEX_WAKE, (uint32_t)n, NULL);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before @deadline (-1 = none), capped at @cap. */
static int remaining_ms(int64_t deadline, int cap)
{
	int64_t left;

	if (deadline < 0)
		return cap;
	left = deadline - now_ms();
	if (left <= 0)
		return 0;
	return left < cap ? (int)left : cap;
}

/*
 * Read state and start time of @pid from /proc.  Returns 0, or -ESRCH when
 * the process does not exist.
 */
static int proc_stat(uint32_t pid, char *state, uint64_t *starttime)
{
	char path[64], buf[1024], *p;
	unsigned long long st;
	FILE *f;
	size_t n;
	int field;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -ESRCH;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields restart after the
	 * last ')'. Field 3 is the state, field 22 the start time. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -ESRCH;
	p += 2;
	*state = *p;
	for (field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p || sscanf(p, "%llu", &st) != 1)
		return -ESRCH;
	*starttime = st;
	return 0;
}

static uint64_t make_owner(uint32_t pid, uint64_t starttime)
{
	return (starttime & 0xffffffffull) << 32 | pid;
}

static bool owner_alive(uint64_t owner)
{
	uint32_t pid = (uint32_t)owner;
	uint64_t st;
	char state;

	if (!owner)
		return false;
	if (pid == OWNER_REAPING)
		return true; /* somebody is cleaning up; treat as busy */
	/* A hostile page can hold any pid; 0 and pids over the kernel's
	 * maximum (2^22) are treated as dead owners. */
	if (pid == 0 || pid > (1u << 22))
		return false;
	if (proc_stat(pid, &state, &st))
		return false;
	if (state == 'Z' || state == 'X')
		return false;
	return (st & 0xffffffffull) == owner >> 32;
}

static int need_write(const struct mw_soc *s)
{
	if (!s->r->writable)
		return mw_err(-EROFS, "region %s is attached read-only",
			      s->r->path);
	return 0;
}

static int need_self(const struct mw_soc *s, const char *what)
{
	if (s->self < 0)
		return mw_err(-EINVAL,
			      "%s needs a processor identity (attached as an "
			      "observer)",
			      what);
	return 0;
}

static int check_lock_index(unsigned n)
{
	if (n >= MW_HWMUTEX_COUNT)
		return mw_err(-EINVAL, "hardware mutex %u does not exist (0..%u)",
			      n, MW_HWMUTEX_COUNT - 1);
	return 0;
}

static int check_line(const struct mw_soc *s, unsigned line)
{
	if (line >= s->plat->nlines)
		return mw_err(-EINVAL, "interrupt line %u does not exist (0..%u)",
			      line, s->plat->nlines - 1);
	return 0;
}

/*
 * Adaptive spin: the budget goes back to the maximum (s->spin) when a spin
 * saw the event, and halves, down to a floor of max/8, when the spin ran out
 * and we slept anyway, so an idle waiter burns little CPU.  Every 16th wait
 * on a reduced budget spins the full maximum once: a pair that fell back to
 * waking each other from futex sleep (neither spin long enough to see the
 * other's reply) finds out it could spin again.
 * Returns true when *@word changed from @until_not while spinning.
 */
static bool spin_for(struct spin *sp, unsigned max, uint32_t *word,
		     uint32_t until_not)
{
	unsigned i, n = sp->budget < max ? sp->budget : max;

	if (n < max && (++sp->waits & 15) == 0)
		n = max;
	for (i = 0; i < n; i++) {
		mw_cpu_relax();
		/* Relaxed: only a hint; the caller re-reads with ordering. */
		if (MW_READ_ONCE(*word) != until_not) {
			sp->budget = max;
			return true;
		}
	}
	sp->budget = sp->budget / 2 > max / 8 ? sp->budget / 2 : max / 8;
	return false;
}

/* ------------------------------------------------------ hardware mutex */

int mw_hwmutex_release_all(struct mw_soc *s, uint32_t id)
{
	unsigned n;
	int released = 0, ret;

	mw_clear_error();
	ret = need_write(s);
	if (ret)
		return ret;
	if (id == 0)
		return mw_err(-EINVAL, "hardware mutex id 0 means free");
	for (n = 0; n < MW_HWMUTEX_COUNT; n++) {
		uint32_t expected = id;

		/* Pairs with the waiters' futex_wait on the register. */
		if (mw_cmpxchg(&s->ctl->hwmutex[n], &expected, 0)) {
			released++;
			futex_wake(&s->ctl->hwmutex[n], INT_MAX);
		}
	}
	if (released)
		mw_log(MW_LOG_INFO, "released %d hardware mutex(es) of id %u",
		       released, id);
	return released;
}

int mw_hwmutex_clear(struct mw_soc *s, unsigned n, uint32_t *prev)
{
	uint32_t cur;
	int ret;

	mw_clear_error();
	if ((ret = check_lock_index(n)) || (ret = need_write(s)))
		return ret;
	cur = MW_READ_ONCE(s->ctl->hwmutex[n]);
	do {
		if (cur == 0)
			break;
		if (s->self >= 0 && cur == s->hwid)
			return mw_err(-EBUSY,
				      "hardware mutex %u is held by this "
				      "processor (%s): unlock it instead",
				      n, s->plat->procs[s->self].name);
	} while (!mw_cmpxchg(&s->ctl->hwmutex[n], &cur, 0));
	if (cur) {
		/* Pairs with the waiters' futex_wait on the register. */
		futex_wake(&s->ctl->hwmutex[n], INT_MAX);
		mw_log(MW_LOG_WARN, "hardware mutex %u forced free (owner was "
		       "id %u)", n, cur);
	}
	if (prev)
		*prev = cur;
	return 0;
}

/* Reap slot @i if its owner is dead.  Returns 1 when reaped. */
static int reap_slot(struct mw_soc *s, unsigned i)
{
	uint64_t owner = mw_load_acquire(&s->ctl->procs[i].owner);
	uint64_t reaping = OWNER_REAPING;

	if (!owner || owner_alive(owner))
		return 0;
	/* One reaper wins; the others see REAPING and leave it alone. */
	if (!mw_cmpxchg(&s->ctl->procs[i].owner, &owner, reaping))
		return 0;
	mw_log(MW_LOG_WARN, "processor %s: pid %u is gone, releasing its locks",
	       s->plat->procs[i].name, (uint32_t)owner);
	mw_hwmutex_release_all(s, s->plat->procs[i].hwmutex_id);
	/* Locks first, slot last (see the comment at the top). */
	mw_store_release(&s->ctl->procs[i].owner, 0);
	return 1;
}

int mw_soc_reap(struct mw_soc *s)
{
	unsigned i;
	int n = 0, ret;

	mw_clear_error();
	ret = need_write(s);
	if (ret)
		return ret;
	for (i = 0; i < s->plat->nprocs; i++)
		n += reap_slot(s, i);
	return n;
}

/* When mutex @n is held by an id whose processor's process is dead, reap. */
static void reap_owner_of(struct mw_soc *s, uint32_t id)
{
	unsigned i;

	for (i = 0; i < s->plat->nprocs; i++)
		if (s->plat->procs[i].hwmutex_id == id)
			reap_slot(s, i);
}

static int lock_local(struct mw_soc *s, unsigned n, int64_t deadline)
{
	struct timespec ts;
	int ret;

	if (deadline < 0) {
		ret = pthread_mutex_lock(&s->local[n]);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		int left = remaining_ms(deadline, INT_MAX);

		ts.tv_sec += left / 1000;
		ts.tv_nsec += (long)(left % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		ret = pthread_mutex_timedlock(&s->local[n], &ts);
	}
	if (ret == EDEADLK)
		return mw_err(-EDEADLK,
			      "hardware mutex %u is already held by this thread",
			      n);
	if (ret == ETIMEDOUT)
		return mw_err(-ETIMEDOUT,
			      "timed out waiting for hardware mutex %u (held by "
			      "another thread of this process)",
			      n);
	return -ret;
}

int mw_hwmutex_lock(struct mw_soc *s, unsigned n, int timeout_ms)
{
	int64_t deadline = -1;
	uint32_t *reg, *waiters;
	int ret;

	mw_clear_error();
	if ((ret = check_lock_index(n)) || (ret = need_self(s, "locking")) ||
	    (ret = need_write(s)))
		return ret;
	reg = &s->ctl->hwmutex[n];
	waiters = &s->ctl->hwmutex_waiters[n];
	/* Fast path: no clock reads unless we have to wait. */
	if (pthread_mutex_trylock(&s->local[n])) {
		if (timeout_ms >= 0)
			deadline = now_ms() + timeout_ms;
		ret = lock_local(s, n, deadline);
		if (ret)
			return ret;
	}
	for (;;) {
		uint32_t cur = 0;
		int left;

		if (mw_cmpxchg(reg, &cur, s->hwid))
			return 0;
		if (cur == s->hwid) {
			ret = mw_err(-EDEADLK,
				     "hardware mutex %u already holds our id %u",
				     n, s->hwid);
			goto unlock_local;
		}
		if (spin_for(&s->lock_spin[n], s->spin, reg, cur))
			continue;
		if (timeout_ms >= 0 && deadline < 0)
			deadline = now_ms() + timeout_ms;
		left = remaining_ms(deadline, REAP_SLICE_MS);
		if (left == 0) {
			ret = mw_err(-ETIMEDOUT,
				     "timed out waiting for hardware mutex %u "
				     "(held by id %u)",
				     n, MW_READ_ONCE(*reg));
			goto unlock_local;
		}
		/* Dekker pair with unlock: waiters++ then load(reg) here,
		 * reg = 0 then load(waiters) there, all seq_cst. */
		mw_fetch_add(waiters, 1);
		cur = mw_load_seq(reg);
		ret = cur ? futex_wait(reg, cur, left) : 0;
		mw_fetch_sub(waiters, 1);
		if (ret == -ETIMEDOUT)
			reap_owner_of(s, cur);
	}

unlock_local:
	pthread_mutex_unlock(&s->local[n]);
	return ret;
}

int mw_hwmutex_trylock(struct mw_soc *s, unsigned n)
{
	uint32_t cur = 0;
	int ret;

	mw_clear_error();
	if ((ret = check_lock_index(n)) || (ret = need_self(s, "locking")) ||
	    (ret = need_write(s)))
		return ret;
	ret = pthread_mutex_trylock(&s->local[n]);
	if (ret)
		return mw_err(-EBUSY, "hardware mutex %u is held in this process",
			      n);
	if (mw_cmpxchg(&s->ctl->hwmutex[n], &cur, s->hwid))
		return 0;
	pthread_mutex_unlock(&s->local[n]);
	return mw_err(-EBUSY, "hardware mutex %u is held by id %u", n, cur);
}

int mw_hwmutex_unlock(struct mw_soc *s, unsigned n)
{
	uint32_t cur;
	int ret;

	mw_clear_error();
	if ((ret = check_lock_index(n)) || (ret = need_self(s, "unlocking")) ||
	    (ret = need_write(s)))
		return ret;
	cur = s->hwid;
	if (!mw_cmpxchg(&s->ctl->hwmutex[n], &cur, 0))
		return mw_err(-EPERM,
			      "hardware mutex %u is not owned by %s (actual "
			      "owner is %u)",
			      n, s->plat->procs[s->self].name, cur);
	/* seq_cst load after the seq_cst cmpxchg: the other half of the
	 * Dekker pair in mw_hwmutex_lock(). */
	if (mw_load_seq(&s->ctl->hwmutex_waiters[n]))
		futex_wake(&s->ctl->hwmutex[n], 1);
	pthread_mutex_unlock(&s->local[n]);
	return 0;
}

int mw_hwmutex_owner(const struct mw_soc *s, unsigned n, uint32_t *owner)
{
	int ret = check_lock_index(n);

	if (ret)
		return ret;
	/* Relaxed: a snapshot for display and comparison only. */
	*owner = MW_READ_ONCE(s->ctl->hwmutex[n]);
	return 0;
}

/* ------------------------------------------------------ interrupt lines */

int mw_irq_raise(struct mw_soc *s, unsigned line)
{
	struct mw_ctl_line *l;
	int ret;

	mw_clear_error();
	if ((ret = check_line(s, line)) || (ret = need_write(s)))
		return ret;
	l = &s->ctl->lines[line];
	atomic_fetch_add_explicit(MW_ATOMIC(&l->raised), 1,
				  memory_order_relaxed);
	/* seq_cst: orders the caller's shared-memory writes before the raise
	 * (release) and pairs with the waiter's waiters++/load(seq). */
	mw_fetch_add(&l->seq, 1);
	if (mw_load_seq(&l->waiters))
		futex_wake(&l->seq, INT_MAX);
	return 0;
}

/*
 * Wait until lines[@line].seq differs from *@seen.  Returns the number of
 * raises (and updates *@seen), -ETIMEDOUT or -EINTR.  @stop, when not NULL,
 * is checked between sleeps of at most REAP_SLICE_MS.
 */
static int wait_line(struct mw_soc *s, unsigned line, uint32_t *seen,
		     int timeout_ms, _Atomic int *stop)
{
	struct mw_ctl_line *l = &s->ctl->lines[line];
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;

	for (;;) {
		/* Acquire: pairs with the raiser's seq_cst fetch_add, so the
		 * payload the raiser wrote before ringing is visible. */
		uint32_t cur = mw_load_acquire(&l->seq);
		int left, ret;

		if (cur != *seen) {
			uint32_t n = cur - *seen;

			*seen = cur;
			return n > INT_MAX ? INT_MAX : (int)n;
		}
		if (stop && atomic_load(stop))
			return -ECANCELED;
		if (!stop && spin_for(&s->line_spin[line], s->spin, &l->seq, cur))
			continue;
		left = remaining_ms(deadline, stop ? REAP_SLICE_MS : INT_MAX);
		if (left == 0 && deadline >= 0)
			return -ETIMEDOUT;
		mw_fetch_add(&l->waiters, 1);
		if (mw_load_seq(&l->seq) == cur)
			ret = futex_wait(&l->seq, cur,
					 deadline < 0 && !stop ? -1 : left);
		else
			ret = 0;
		mw_fetch_sub(&l->waiters, 1);
		if (ret == -EINTR)
			return -EINTR;
	}
}

static int check_target(const struct mw_soc *s, unsigned line)
{
	const struct mw_line *l = &s->plat->lines[line];

	if (s->self < 0 || l->target != (unsigned)s->self)
		return mw_err(-EINVAL,
			      "line %s goes to %s; this process is %s", l->name,
			      s->plat->procs[l->target].name,
			      s->self < 0 ? "an observer"
					  : s->plat->procs[s->self].name);
	return 0;
}

int mw_irq_wait(struct mw_soc *s, unsigned line, int timeout_ms)
{
	if (line >= s->plat->nlines)
		return check_line(s, line);
	return mw_irq_wait_seq(s, line, &s->seen[line], timeout_ms);
}

uint32_t mw_irq_seq(const struct mw_soc *s, unsigned line)
{
	if (line >= s->plat->nlines)
		return 0;
	/* Acquire: what the raiser wrote before ringing is visible after. */
	return mw_load_acquire(&s->ctl->lines[line].seq);
}

int mw_irq_wait_seq(struct mw_soc *s, unsigned line, uint32_t *seen,
		    int timeout_ms)
{
	int ret;

	mw_clear_error();
	if ((ret = check_line(s, line)) || (ret = check_target(s, line)))
		return ret;
	ret = wait_line(s, line, seen, timeout_ms, NULL);
	if (ret == -ETIMEDOUT)
		return mw_err(ret, "no interrupt on %s within %d ms",
			      s->plat->lines[line].name, timeout_ms);
	if (ret == -EINTR)
		return mw_err(ret, "interrupted while waiting on %s",
			      s->plat->lines[line].name);
	return ret;
}

uint64_t mw_irq_count(const struct mw_soc *s, unsigned line)
{
	if (line >= s->plat->nlines)
		return 0;
	/* Relaxed: statistics. */
	return MW_READ_ONCE(s->ctl->lines[line].raised);
}

static void *irq_fd_thread(void *arg)
{
	struct irq_fd *f = arg;
	uint32_t seen = mw_load_acquire(&f->s->ctl->lines[f->line].seq);

	for (;;) {
		int n = wait_line(f->s, f->line, &seen, -1, &f->stop);
		uint64_t v;

		if (n == -ECANCELED)
			break;
		if (n <= 0)
			continue;
		v = (uint64_t)n;
		if (write(f->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			break;
	}
	return NULL;
}

int mw_irq_fd(struct mw_soc *s, unsigned line)
{
	struct irq_fd *f;
	int ret;

	mw_clear_error();
	if ((ret = check_line(s, line)) || (ret = check_target(s, line)))
		return ret;
	pthread_mutex_lock(&s->fd_lock);
	if (s->fds[line]) {
		ret = s->fds[line]->efd;
		goto unlock;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		ret = mw_err(-ENOMEM, "out of memory");
		goto unlock;
	}
	f->s = s;
	f->line = line;
	f->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (f->efd < 0) {
		ret = mw_errno("eventfd");
		goto free_f;
	}
	ret = pthread_create(&f->thread, NULL, irq_fd_thread, f);
	if (ret) {
		errno = ret;
		ret = mw_errno("starting the interrupt thread");
		goto close_efd;
	}
	s->fds[line] = f;
	ret = f->efd;
	goto unlock;

close_efd:
	close(f->efd);
free_f:
	free(f);
unlock:
	pthread_mutex_unlock(&s->fd_lock);
	return ret;
}

void mw_irq_fd_close(struct mw_soc *s, unsigned line)
{
	struct irq_fd *f;

	if (line >= MW_MAX_LINES)
		return;
	pthread_mutex_lock(&s->fd_lock);
	f = s->fds[line];
	s->fds[line] = NULL;
	pthread_mutex_unlock(&s->fd_lock);
	if (!f)
		return;
	atomic_store(&f->stop, 1);
	pthread_join(f->thread, NULL);
	close(f->efd);
	free(f);
}

/* ------------------------------------------------------------ doorbells */

/* The doorbell register at @phys, or -EFAULT/-EINVAL naming it. */
static int doorbell_res(const struct mw_soc *s, uint64_t phys,
			const struct mw_resource **res)
{
	int ret;

	mw_clear_error();
	ret = mw_platform_resource(s->plat, phys, 4, res);
	if (ret)
		return ret;
	if ((*res)->kind != MW_RES_DOORBELL)
		return mw_err(-EINVAL, "phys 0x%llx is in %s, not a doorbell",
			      (unsigned long long)phys, (*res)->name);
	return 0;
}

int mw_doorbell_write(struct mw_soc *s, uint64_t phys, uint32_t value)
{
	const struct mw_resource *res;
	unsigned i;
	int raised = 0, ret;

	ret = doorbell_res(s, phys, &res);
	if (ret)
		return ret;
	ret = need_write(s);
	if (ret)
		return ret;
	MW_WRITE_ONCE(s->ctl->doorbell_last[res - s->plat->res], value);
	for (i = 0; i < s->plat->nlines; i++) {
		const struct mw_line *l = &s->plat->lines[i];

		if (l->reg == phys && (l->mask & value)) {
			mw_irq_raise(s, i);
			raised++;
		}
	}
	return raised;
}

int mw_doorbell_shadow(const struct mw_soc *s, uint64_t phys,
		       volatile uint32_t **out)
{
	const struct mw_resource *res;
	int ret = doorbell_res(s, phys, &res);

	if (ret)
		return ret;
	*out = &s->ctl->doorbell_last[res - s->plat->res];
	return 0;
}

/* --------------------------------------------------------------- attach */

static int claim(struct mw_soc *s, unsigned i)
{
	struct mw_ctl_proc *slot = &s->ctl->procs[i];
	uint64_t st = 0;
	char state;
	int tries;

	if (proc_stat((uint32_t)getpid(), &state, &st))
		return mw_err(-EIO, "cannot read /proc/self/stat");
	s->owner = make_owner((uint32_t)getpid(), st);
	for (tries = 0; tries < 50; tries++) {
		uint64_t cur = 0;

		if (mw_cmpxchg(&slot->owner, &cur, s->owner)) {
			mw_fetch_add(&slot->attaches, 1);
			return 0;
		}
		if (cur == s->owner)
			return mw_err(-EBUSY,
				      "processor %s is already attached by "
				      "this process",
				      s->plat->procs[i].name);
		if (owner_alive(cur) && (uint32_t)cur != OWNER_REAPING)
			return mw_err(-EBUSY,
				      "processor %s is attached by live pid %u",
				      s->plat->procs[i].name, (uint32_t)cur);
		if (!reap_slot(s, i))
			usleep(2000); /* another reaper is at work */
	}
	return mw_err(-EBUSY, "processor %s: slot stays busy",
		      s->plat->procs[i].name);
}

int mw_soc_open(struct mw_region *r, const char *proc, struct mw_soc **out)
{
	struct mw_soc *s;
	pthread_mutexattr_t ma;
	unsigned i;
	int ret;

	mw_clear_error();
	if (!r->ctl || !r->plat)
		return mw_err(-EINVAL,
			      "%s has no emulated platform (a %s region%s)",
			      r->path[0] ? r->path : "region",
			      mw_region_kind_name(r->kind),
			      r->ctl ? " without a platform" : "");
	s = calloc(1, sizeof(*s));
	if (!s)
		return mw_err(-ENOMEM, "out of memory");
	s->r = r;
	s->ctl = r->ctl;
	s->plat = r->plat;
	s->self = -1;
	mw_soc_set_spin(s, DEFAULT_SPIN);
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
	for (i = 0; i < MW_HWMUTEX_COUNT; i++)
		pthread_mutex_init(&s->local[i], &ma);
	pthread_mutexattr_destroy(&ma);
	pthread_mutex_init(&s->fd_lock, NULL);
	/* Raises before we attached are not delivered: the protocol state
	 * they announced is in shared memory for the new process to read. */
	for (i = 0; i < s->plat->nlines; i++)
		s->seen[i] = mw_load_acquire(&s->ctl->lines[i].seq);
	if (proc) {
		ret = mw_platform_proc(s->plat, proc);
		if (ret < 0)
			goto free_soc;
		s->self = ret;
		s->hwid = s->plat->procs[ret].hwmutex_id;
		ret = need_write(s);
		if (ret)
			goto free_soc;
		ret = claim(s, (unsigned)s->self);
		if (ret)
			goto free_soc;
	}
	*out = s;
	return 0;

free_soc:
	free(s);
	return ret;
}

void mw_soc_close(struct mw_soc *s)
{
	unsigned i;

	if (!s)
		return;
	for (i = 0; i < MW_MAX_LINES; i++)
		mw_irq_fd_close(s, i);
	if (s->self >= 0) {
		uint64_t mine = s->owner;

		/* A process that leaves releases what it holds, then its
		 * slot (same order as the reaper). */
		mw_hwmutex_release_all(s, s->hwid);
		mw_cmpxchg(&s->ctl->procs[s->self].owner, &mine, 0);
	}
	for (i = 0; i < MW_HWMUTEX_COUNT; i++)
		pthread_mutex_destroy(&s->local[i]);
	pthread_mutex_destroy(&s->fd_lock);
	free(s);
}

const struct mw_platform *mw_soc_platform(const struct mw_soc *s)
{
	return s->plat;
}

struct mw_region *mw_soc_region(const struct mw_soc *s)
{
	return s->r;
}

int mw_soc_self(const struct mw_soc *s)
{
	return s->self;
}

void mw_soc_set_spin(struct mw_soc *s, unsigned spins)
{
	unsigned i;

	s->spin = spins;
	for (i = 0; i < MW_MAX_LINES; i++)
		s->line_spin[i] = (struct spin){ spins, 0 };
	for (i = 0; i < MW_HWMUTEX_COUNT; i++)
		s->lock_spin[i] = (struct spin){ spins, 0 };
}

int mw_soc_map(const struct mw_soc *s, uint64_t phys, uint64_t len, void **out)
{
	const struct mw_resource *res;
	int ret;

	mw_clear_error();
	ret = mw_platform_resource(s->plat, phys, len, &res);
	if (ret)
		return ret;
	switch (res->kind) {
	case MW_RES_MEMORY:
		return mw_region_ptr(s->r, phys, len, out);
	case MW_RES_HWMUTEX:
		*out = (uint8_t *)s->ctl->hwmutex + (phys - res->phys);
		return 0;
	case MW_RES_DOORBELL:
		break;
	}
	return mw_err(-EINVAL,
		      "phys 0x%llx is the doorbell register %s: write it with "
		      "mw_doorbell_write()",
		      (unsigned long long)phys, res->name);
}

int mw_soc_proc_state(struct mw_soc *s, unsigned proc,
		      struct mw_proc_state *st)
{
	uint64_t owner;

	mw_clear_error();
	if (proc >= s->plat->nprocs)
		return mw_err(-EINVAL, "processor %u does not exist", proc);
	owner = mw_load_acquire(&s->ctl->procs[proc].owner);
	st->os_pid = owner ? (int32_t)(uint32_t)owner : 0;
	st->alive = owner_alive(owner);
	st->attaches = MW_READ_ONCE(s->ctl->procs[proc].attaches);
	return 0;
}
