# points.awk: a shmconform results file (sc-run's JSON, reports/FORMAT.md)
# -> one line "NAME VERDICT" per case and file system, the LAVA test cases.
# NAME is program.case[.fs type] (LAVA allows letters, digits, - _ .); VERDICT is
# pass, fail or skip (an expected failure passes, a broken case fails).
# awk, not python: the devices LAVA boots often have busybox only.  It reads
# sc-run's own layout (one key a line in a case, one file system a line).
# Used by ci/lava/dut-run on the device and by ci/lava/run-local on the
# host, to hold LAVA's results to ci/run-matrix's.
function word(r) {
	if (r == "passed" || r == "expected_failure" || r == "pass") return "pass"
	if (r == "skipped" || r == "skip") return "skip"
	return "fail"
}
function value(line) { # the string value of a "key": "value" line
	sub(/^[^:]*: *"/, "", line)
	sub(/",?[[:space:]]*$/, "", line)
	return line
}
function clean(s) {
	gsub(/[^-_a-zA-Z0-9.]/, "_", s)
	return s
}
function flush() {
	if (prog == "") return
	base = prog "." name
	if (nfs == 0) print clean(base), word(result)
	# Two file systems of one type (tmpfs /tmp and /dev/shm) are type and
	# type-2, in the order of the fs variable.
	split("", seen)
	for (i = 1; i <= nfs; i++) {
		t = fstype[i]
		if (++seen[t] > 1) t = t "-" seen[t]
		print clean(base "." t), word(fsverdict[i])
	}
	prog = ""
	nfs = 0
}
/^  "cases": \[/ { incases = 1; next }
!incases { next }
/^    \{/ { flush(); next }
/^      "program": "/ { prog = value($0); sub(/.*\//, "", prog); next }
/^      "name": "/ { name = value($0); next }
/^      "result": "/ { result = value($0); next }
/^        \{"verdict": "/ {
	v = $0; sub(/^[^"]*"verdict": "/, "", v); sub(/".*/, "", v)
	t = $0; sub(/.*"type": "/, "", t); sub(/".*/, "", t)
	nfs++
	fsverdict[nfs] = v
	fstype[nfs] = t
	next
}
/^  \]/ { flush(); incases = 0 }
END { flush() }
