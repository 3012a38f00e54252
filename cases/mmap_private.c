/*
 * MAP-PRIVATE: writes to a MAP_PRIVATE mapping are copy-on-write: invisible
 * to other processes mapping the file, to a forked child (and a child's to
 * its parent), and never written to the file.  Whether later changes to the
 * file show in pages not yet written is unspecified by POSIX; Linux shows
 * them until the page is written (observed cases at the end).
 *
 * Writes put sc_mark bytes over the file's sc_pattern bytes; the range
 * crosses a page boundary.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sc.h"
#include "sc_mapcheck.h"
#include "sc_peer.h"

#define SPAN 64
static size_t span_off(void)
{
	return sc_page_size() - SPAN / 2;
}

static unsigned char *map_private_rw(int fd, size_t len)
{
	unsigned char *p =
	    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	SC_CHECK_MAP(p);
	return p;
}

/* Maps the file MAP_SHARED by its own descriptor (the most direct view of
 * the file there is) before the write, checks it after. */
static void peer_maps_file(void *arg)
{
	struct sc_peer *pr = arg;
	int fd = sc_open_path(pr->path, O_RDONLY);
	unsigned char *q = mmap(NULL, pr->len, PROT_READ, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(q);
	size_t off = span_off();
	sc_event_post(&pr->ready);
	sc_event_wait(&pr->written, 0,
		      "the write through the MAP_PRIVATE mapping");
	SC_CHECK_MEM(q + off, SC_WANT_PATTERN_AT(off), SPAN,
		     "another process's own MAP_SHARED mapping of the file, "
		     "after a write through a MAP_PRIVATE mapping (must keep "
		     "the file's bytes)");
	SC_CHECK_OK(munmap(q, pr->len));
	SC_CHECK_OK(close(fd));
}

/* Detects: a MAP_PRIVATE write leaking into the shared page cache. */
SC_FS_CASE(private_write_invisible_to_other_process_mapping_file, MAP_PRIVATE,
	   SC_POSIX,
	   "A write through a MAP_PRIVATE mapping does not show in another "
	   "process's mapping of the file")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, 2 * page, path);
	unsigned char *p = map_private_rw(fd, 2 * page);
	struct sc_peer pr;
	sc_peer_start(&pr, path, 2 * page, NULL);
	pid_t pid = sc_spawn(peer_maps_file, &pr);
	sc_event_wait(&pr.ready, pid, "the peer to map the file");
	sc_fill_mark(p + span_off(), span_off(), SPAN);
	/* The writer does see its own write: the case is not vacuous. */
	SC_CHECK_MEM(p + span_off(), SC_WANT_MARK_AT(span_off()), SPAN,
		     "the MAP_PRIVATE mapping after writing it");
	sc_event_post(&pr.written);
	sc_peer_finish(&pr, pid);
	SC_CHECK_OK(munmap(p, 2 * page));
	SC_CHECK_OK(close(fd));
}

/* The forked child: uses the inherited MAP_PRIVATE mapping pr->p. */
static void child_checks_unchanged(void *arg)
{
	struct sc_peer *pr = arg;
	size_t off = span_off();
	/* Read the range before the parent writes: the pages are shared
	 * copy-on-write from here on. */
	SC_CHECK_MEM(pr->p + off, SC_WANT_PATTERN_AT(off), SPAN,
		     "the child's inherited MAP_PRIVATE mapping at fork");
	sc_event_post(&pr->ready);
	sc_event_wait(&pr->written, 0, "the parent's write after fork");
	SC_CHECK_MEM(pr->p + off, SC_WANT_PATTERN_AT(off), SPAN,
		     "the child's inherited MAP_PRIVATE mapping after the "
		     "parent wrote its own (must keep the bytes of fork time)");
}

/* Detects: a parent's post-fork write showing in the child's copy. */
SC_FS_CASE(parent_write_after_fork_invisible_to_child, MAP_PRIVATE, SC_POSIX,
	   "A parent's write to a MAP_PRIVATE mapping after fork does not show "
	   "in the child's inherited mapping")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, 2 * page, path);
	unsigned char *p = map_private_rw(fd, 2 * page);
	struct sc_peer pr;
	sc_peer_start(&pr, path, 2 * page, p);
	pid_t pid = sc_spawn(child_checks_unchanged, &pr);
	sc_event_wait(&pr.ready, pid, "the child to read its mapping");
	sc_fill_mark(p + span_off(), span_off(), SPAN);
	sc_event_post(&pr.written);
	sc_peer_finish(&pr, pid);
	SC_CHECK_MEM(p + span_off(), SC_WANT_MARK_AT(span_off()), SPAN,
		     "the parent's own MAP_PRIVATE mapping after its write");
	SC_CHECK_OK(munmap(p, 2 * page));
	SC_CHECK_OK(close(fd));
}

static void child_writes(void *arg)
{
	struct sc_peer *pr = arg;
	size_t off = span_off();
	sc_fill_mark(pr->p + off, off, SPAN);
	SC_CHECK_MEM(pr->p + off, SC_WANT_MARK_AT(off), SPAN,
		     "the child's own MAP_PRIVATE mapping after its write");
	sc_event_post(&pr->written);
	/* Stay alive (mapping and all) until the parent has looked. */
	sc_event_wait(&pr->checked, 0, "the parent to check its mapping");
}

/* Detects: a child's write to its private copy reaching the parent. */
SC_FS_CASE(child_write_invisible_to_parent, MAP_PRIVATE, SC_POSIX,
	   "A child's write to an inherited MAP_PRIVATE mapping does not show "
	   "in the parent's mapping")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, 2 * page, path);
	unsigned char *p = map_private_rw(fd, 2 * page);
	/* Fault the pages in before fork: both then start from the same
	 * physical pages, the case copy-on-write must handle. */
	SC_CHECK_MEM(p + span_off(), SC_WANT_PATTERN_AT(span_off()), SPAN,
		     "the parent's MAP_PRIVATE mapping before fork");
	struct sc_peer pr;
	sc_peer_start(&pr, path, 2 * page, p);
	pid_t pid = sc_spawn(child_writes, &pr);
	sc_event_wait(&pr.written, pid, "the child's write");
	SC_CHECK_MEM(p + span_off(), SC_WANT_PATTERN_AT(span_off()), SPAN,
		     "the parent's MAP_PRIVATE mapping after the child wrote "
		     "its inherited copy");
	sc_event_post(&pr.checked);
	sc_peer_finish(&pr, pid);
	SC_CHECK_OK(munmap(p, 2 * page));
	SC_CHECK_OK(close(fd));
}

static void child_sees_marks(void *arg)
{
	struct sc_peer *pr = arg;
	size_t off = span_off();
	SC_CHECK_MEM(pr->p + off, SC_WANT_MARK_AT(off), SPAN,
		     "the child's inherited MAP_PRIVATE mapping, written by "
		     "the parent before fork");
}

/* Detects: fork giving the child the file's bytes, not the parent's copy. */
SC_FS_CASE(parent_write_before_fork_visible_to_child, MAP_PRIVATE, SC_POSIX,
	   "What a parent wrote to a MAP_PRIVATE mapping before fork is in the "
	   "child's inherited mapping")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, 2 * page, path);
	unsigned char *p = map_private_rw(fd, 2 * page);
	sc_fill_mark(p + span_off(), span_off(), SPAN);
	struct sc_peer pr;
	sc_peer_start(&pr, path, 2 * page, p);
	sc_peer_finish(&pr, sc_spawn(child_sees_marks, &pr));
	SC_CHECK_OK(munmap(p, 2 * page));
	SC_CHECK_OK(close(fd));
}

/* Detects: msync writing a private mapping's copy to the file. */
SC_FS_CASE(private_write_not_written_by_msync, MAP_PRIVATE, SC_POSIX,
	   "msync(MS_SYNC) of a written MAP_PRIVATE mapping leaves the file "
	   "unchanged")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, 2 * page, path);
	unsigned char *p = map_private_rw(fd, 2 * page);
	sc_fill_mark(p + span_off(), span_off(), SPAN);
	SC_CHECK_OK(msync(p, 2 * page, MS_SYNC));
	SC_CHECK_FILE(path, 0, SC_WANT_PATTERN_AT(0), 2 * page,
		      "the file, read by a new descriptor after msync(MS_SYNC) "
		      "of a written MAP_PRIVATE mapping");
	SC_CHECK_OK(munmap(p, 2 * page));
	SC_CHECK_OK(close(fd));
}

/* Detects: closing the descriptor flushing the private copy. */
SC_FS_CASE(private_write_not_written_by_close, MAP_PRIVATE, SC_POSIX,
	   "Closing the descriptor of a written MAP_PRIVATE mapping leaves the "
	   "file unchanged")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, 2 * page, path);
	unsigned char *p = map_private_rw(fd, 2 * page);
	sc_fill_mark(p + span_off(), span_off(), SPAN);
	SC_CHECK_OK(close(fd));
	SC_CHECK_FILE(path, 0, SC_WANT_PATTERN_AT(0), 2 * page,
		      "the file, read by a new descriptor after closing the "
		      "descriptor of a written MAP_PRIVATE mapping");
	SC_CHECK_OK(munmap(p, 2 * page));
}

/* Detects: munmap writing a private mapping's copy back. */
SC_FS_CASE(private_write_not_written_by_munmap, MAP_PRIVATE, SC_POSIX,
	   "munmap of a written MAP_PRIVATE mapping (then close) leaves the "
	   "file unchanged, also for a separate process")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, 2 * page, path);
	unsigned char *p = map_private_rw(fd, 2 * page);
	sc_fill_mark(p + span_off(), span_off(), SPAN);
	SC_CHECK_OK(munmap(p, 2 * page));
	SC_CHECK_OK(close(fd));
	SC_CHECK_FILE(path, 0, SC_WANT_PATTERN_AT(0), 2 * page,
		      "the file, read by a new descriptor after munmap and "
		      "close of a written MAP_PRIVATE mapping");
	SC_CHECK_FILE_ELSEWHERE(path, 0, SC_WANT_PATTERN_AT(0), 2 * page,
				"the file after munmap and close of a written "
				"MAP_PRIVATE mapping");
	SC_CHECK_EQ(sc_path_size(path), 2 * page, "file size in bytes");
}

/* Detects: unwritten private pages copied early (at mmap or first read). */
SC_FS_CASE(file_change_shows_in_unwritten_private_page, MAP_PRIVATE,
	   SC_OBSERVED,
	   "A change to the file shows in a MAP_PRIVATE page the process has "
	   "read but not written (unspecified by POSIX)")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, 2 * page, path);
	unsigned char *p = map_private_rw(fd, 2 * page);
	/* Read first: the page is then mapped, not merely waiting to be. */
	SC_CHECK_MEM(p + span_off(), SC_WANT_PATTERN_AT(span_off()), SPAN,
		     "the MAP_PRIVATE mapping before the file changes");
	unsigned char buf[SPAN];
	sc_fill_mark(buf, span_off(), SPAN);
	SC_CHECK_EQ(pwrite(fd, buf, SPAN, (off_t)span_off()), SPAN,
		    "pwrite(2) return value (bytes written)");
	SC_CHECK_MEM(p + span_off(), SC_WANT_MARK_AT(span_off()), SPAN,
		     "the read-but-unwritten MAP_PRIVATE pages after pwrite(2) "
		     "to the file");
	SC_CHECK_OK(munmap(p, 2 * page));
	SC_CHECK_OK(close(fd));
}

/* Detects: a written private page still following the file. */
SC_FS_CASE(file_change_hidden_in_written_private_page, MAP_PRIVATE, SC_OBSERVED,
	   "Once a MAP_PRIVATE page is written, later changes to the file no "
	   "longer show anywhere in that page (unspecified by POSIX)")
{
	size_t page = sc_page_size();
	char path[PATH_MAX];
	int fd = sc_tmpfile(fs, 2 * page, path);
	unsigned char *p = map_private_rw(fd, 2 * page);
	/* Write one byte at the start of page 0: the page is copied. */
	p[0] = sc_mark(0);
	/* Then change the file elsewhere in that page. */
	unsigned char buf[SPAN];
	size_t off = page / 2;
	sc_fill_mark(buf, off, SPAN);
	SC_CHECK_EQ(pwrite(fd, buf, SPAN, (off_t)off), SPAN,
		    "pwrite(2) return value (bytes written)");
	SC_CHECK_MEM(p + off, SC_WANT_PATTERN_AT(off), SPAN,
		     "a written MAP_PRIVATE page, at bytes not written, after "
		     "pwrite(2) changed them in the file (the private copy "
		     "keeps the file's bytes of copy time)");
	SC_CHECK_EQ(p[0], sc_mark(0), "the byte written to the private page");
	SC_CHECK_OK(munmap(p, 2 * page));
	SC_CHECK_OK(close(fd));
}

/* ---- anonymous private memory across fork ------------------------------ */

struct anon_fork {
	unsigned char *p;
	size_t len;
	struct sc_event written, checked;
};

static unsigned char *map_anon_private_marked(size_t len)
{
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SC_CHECK_MAP(p);
	sc_fill_mark(p, 0, len);
	return p;
}

static void anon_child_writes(void *arg)
{
	struct anon_fork *a = arg;
	memset(a->p, 0, a->len);
	sc_event_post(&a->written);
	sc_event_wait(&a->checked, 0, "the parent's check");
}

/* Detects: MAP_PRIVATE|MAP_ANONYMOUS memory shared with a forked child
 * (the child's write reaching the parent). */
SC_CASE(
    anonymous_private_child_write_invisible_to_parent, MAP_PRIVATE, SC_POSIX,
    "A child's write to inherited MAP_PRIVATE|MAP_ANONYMOUS memory does not "
    "show in the parent")
{
	struct anon_fork a = {.len = 2 * sc_page_size()};
	a.p = map_anon_private_marked(a.len);
	sc_event_init(&a.written);
	sc_event_init(&a.checked);
	pid_t pid = sc_spawn(anon_child_writes, &a);
	sc_event_wait(&a.written, pid, "the child's write");
	SC_CHECK_MEM(
	    a.p, SC_WANT_MARK_AT(0), a.len,
	    "the parent's anonymous MAP_PRIVATE memory after the child "
	    "zeroed its inherited copy");
	sc_event_post(&a.checked);
	sc_wait_ok(pid);
	sc_event_close(&a.written);
	sc_event_close(&a.checked);
	SC_CHECK_OK(munmap(a.p, a.len));
}

static void anon_child_checks(void *arg)
{
	struct anon_fork *a = arg;
	sc_event_wait(&a->written, 0, "the parent's write");
	SC_CHECK_MEM(a->p, SC_WANT_MARK_AT(0), a->len,
		     "the child's inherited anonymous MAP_PRIVATE memory after "
		     "the parent zeroed its own");
}

/* Detects: MAP_PRIVATE|MAP_ANONYMOUS memory shared with a forked child
 * (the parent's write reaching the child). */
SC_CASE(anonymous_private_parent_write_invisible_to_child, MAP_PRIVATE,
	SC_POSIX,
	"A parent's write to MAP_PRIVATE|MAP_ANONYMOUS memory after fork does "
	"not show in the child")
{
	struct anon_fork a = {.len = 2 * sc_page_size()};
	a.p = map_anon_private_marked(a.len);
	sc_event_init(&a.written);
	pid_t pid = sc_spawn(anon_child_checks, &a);
	memset(a.p, 0, a.len);
	sc_event_post(&a.written);
	sc_wait_ok(pid);
	sc_event_close(&a.written);
	SC_CHECK_OK(munmap(a.p, a.len));
}

/* Detects: MAP_POPULATE on a writable private mapping that only maps the
 * file's pages (copy-on-write not broken): later writes through a
 * MAP_SHARED mapping then show in the private one (kselftest
 * mm/map_populate).  Without MAP_POPULATE they do show in a page not yet
 * written (file_change_shows_in_unwritten_private_page). */
SC_FS_CASE(populate_private_writable_copies_pages_at_mmap, MAP_PRIVATE,
	   SC_LINUX,
	   "MAP_PRIVATE|MAP_POPULATE with PROT_WRITE copies the pages at mmap: "
	   "later writes through a MAP_SHARED mapping of the file do not show "
	   "in it")
{
	size_t page = sc_page_size();
	int fd = sc_tmpfile(fs, 2 * page, NULL);
	unsigned char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_POPULATE, fd, 0);
	SC_CHECK_MAP(p);
	unsigned char *shared =
	    mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SC_CHECK_MAP(shared);
	sc_fill_mark(shared + span_off(), span_off(), SPAN);
	SC_CHECK_MEM(shared + span_off(), SC_WANT_MARK_AT(span_off()), SPAN,
		     "the MAP_SHARED mapping after writing through it");
	SC_CHECK_MEM(
	    p + span_off(), SC_WANT_PATTERN_AT(span_off()), SPAN,
	    "the never-written MAP_PRIVATE|MAP_POPULATE pages after a "
	    "write through a MAP_SHARED mapping of the file (copied at "
	    "mmap: the file's bytes of mmap time)");
	SC_CHECK_OK(munmap(shared, 2 * page));
	SC_CHECK_OK(munmap(p, 2 * page));
	SC_CHECK_OK(close(fd));
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, private_write_invisible_to_other_process_mapping_file);
	SC_ADD(tp, parent_write_after_fork_invisible_to_child);
	SC_ADD(tp, child_write_invisible_to_parent);
	SC_ADD(tp, parent_write_before_fork_visible_to_child);
	SC_ADD(tp, private_write_not_written_by_msync);
	SC_ADD(tp, private_write_not_written_by_close);
	SC_ADD(tp, private_write_not_written_by_munmap);
	SC_ADD(tp, file_change_shows_in_unwritten_private_page);
	SC_ADD(tp, file_change_hidden_in_written_private_page);
	SC_ADD(tp, anonymous_private_child_write_invisible_to_parent);
	SC_ADD(tp, anonymous_private_parent_write_invisible_to_child);
	SC_ADD(tp, populate_private_writable_copies_pages_at_mmap);
	return atf_no_error();
}
