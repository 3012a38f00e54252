/*
 * Deliberate faults.  A case that shows a signal (a write to a read-only
 * page, a touch of an unmapped one) makes the bad access on purpose, in a
 * child spawned with sc_spawn_crashing / sc_expect_signal.  Under valgrind,
 * memcheck would report that access as an error of the program; the child
 * calls sc_fault_expected() just before it, so only unintended errors count.
 */
#ifndef SC_FAULT_H
#define SC_FAULT_H

/* The next bad access of this thread is the behaviour under test: under
 * valgrind, stop reporting errors for the rest of this (crashing) child.
 * Outside valgrind, nothing. */
void sc_fault_expected(void);

#endif
