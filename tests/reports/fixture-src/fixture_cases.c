/*
 * Fixture for the report tools' tests (tests/t-reports.sh): a test program
 * built on the real harness whose cases end in every way a case can (pass,
 * fail, skip, expected failure, broken, per file system with mixed
 * verdicts), so the fixture results file holds real Kyua records of each.
 * It is not part of the suite: tests/reports/make-fixtures.sh builds and
 * runs it by hand; its failures are on purpose.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sc.h"

SC_CASE(fixture_passes, SHMAT, SC_POSIX,
	"Fixture: the page size is a multiple of 512 (passes)")
{
	SC_CHECK_EQ(sc_page_size() % 512, 0, "page size modulo 512");
}

SC_CASE(fixture_fails_with_erratum, MMAP_RETURN, SC_POSIX,
	"Fixture: compares the page size with itself plus one (fails)")
{
	size_t page = sc_page_size();
	sc_note("the fixture fails on purpose; page size %zu", page);
	SC_CHECK_EQ(page, page + 1, "page size, fixture comparison");
}

SC_FS_CASE(fixture_tmpfs_only, MAP_SHARED, SC_LINUX,
	   "Fixture: the file system is tmpfs (passes on tmpfs only)")
{
	SC_CHECK(strcmp(fs->type, "tmpfs") == 0,
		 "file system type: expected tmpfs, observed %s", fs->type);
}

SC_FS_CASE(fixture_every_fs, MAP_PRIVATE, SC_OBSERVED,
	   "Fixture: a file of one page can be created (passes everywhere)")
{
	int fd = sc_tmpfile(fs, sc_page_size(), NULL);
	SC_CHECK_EQ(sc_file_size(fd), sc_page_size(), "size of the new file");
	close(fd);
}

SC_CASE(fixture_skips, SHMGET, SC_LINUX, "Fixture: skips with a reason")
{
	SC_SKIP("fixture: this case always skips (no such feature here)");
}

SC_CASE(fixture_expected_failure, MSYNC, SC_POSIX,
	"Fixture: fails, and says beforehand that it will")
{
	atf_tc_expect_fail("fixture: declared expected failure");
	SC_CHECK_EQ(1, 2, "one, fixture comparison");
}

SC_CASE(fixture_broken, SHMCTL, SC_LINUX,
	"Fixture: exits without a verdict (broken)")
{
	exit(3);
}

SC_CASE(fixture_fails_without_numbers, SHMDT, SC_POSIX,
	"Fixture: fails with a message that has no expected/observed")
{
	SC_FAIL("fixture: a failure in words only # with a hash");
}

ATF_TP_ADD_TCS(tp)
{
	SC_ADD(tp, fixture_passes);
	SC_ADD(tp, fixture_fails_with_erratum);
	SC_ADD(tp, fixture_tmpfs_only);
	SC_ADD(tp, fixture_every_fs);
	SC_ADD(tp, fixture_skips);
	SC_ADD(tp, fixture_expected_failure);
	SC_ADD(tp, fixture_broken);
	SC_ADD(tp, fixture_fails_without_numbers);
	return atf_no_error();
}
