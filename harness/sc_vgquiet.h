/*
 * A case that hands the kernel memory which is deliberately not mapped (to
 * see the error it returns: msync's ENOMEM) makes valgrind's memcheck
 * report that call as "points to unaddressable byte(s)".  These silence
 * valgrind's reports between them, for that one deliberate call only; they
 * do nothing when not under valgrind or without valgrind's header.
 */
#ifndef SC_VGQUIET_H
#define SC_VGQUIET_H

void sc_vg_quiet_begin(void);
void sc_vg_quiet_end(void);

#endif
