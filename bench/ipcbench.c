/*
 * ipcbench: is shared memory the fastest IPC (claim IPC-FASTEST)?
 *
 * Every mechanism is measured between two processes pinned to distinct
 * CPUs, for every message size, as one-way throughput and as round-trip
 * latency, together with this machine's limits (memcpy of one core, one
 * cache line's round trip).  A calibration pass (also the warm-up) sizes
 * each run to about --target-ms; then --reps repetitions run, each over
 * every (mechanism, size, measure) in a new shuffled order, so that drift
 * and other load hit all alike.  Every message is checked on arrival.
 * Writes ipcbench.json and ipcbench.csv to --out; bench/report.py reads
 * them for the tables and the verdict, bench/plot.py for the plot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ipcbench.h"

/* ---- what to measure --------------------------------------------------- */

enum kind { E_MEMCPY, E_CACHELINE, E_MECH };

struct entry {
	enum kind kind;
	const struct bench_mech *m; /* E_MECH, E_CACHELINE */
	const char *name, *family, *sync, *label;
};

struct cell {
	int entry, size_idx;
	enum bench_measure what;
	uint64_t warm, count;
	double *tp;	   /* per rep, bytes/s */
	float *samples;	   /* latency: reps * count round trips, ns */
	double *rep_med;   /* latency: per rep median, ns */
	uint64_t verified; /* over the timed reps */
	uint64_t bad;
	uint64_t sleeps_parent, sleeps_child, timed; /* futex waits, messages */
	float *line_rtt; /* per rep: the line round trip just before the run */
	/* summary */
	double tp_med, tp_min, tp_max;
	double lat_med, lat_p99, lat_rep_min, lat_rep_max;
};

static const size_t default_sizes[] = {64,    100,   256,    1024,   4096,
				       16384, 65536, 262144, 1048576};
static const size_t quick_sizes[] = {64, 100, 4096, 1048576};

struct opts {
	bool quick, verbose;
	const char *out;
	int reps, reps_planned;
	double target_ms, budget; /* budget: seconds for the whole run */
	size_t sizes[32];
	int nsizes;
	const char *only; /* comma list of mechanism names, or NULL */
	unsigned timeout;
};

static struct entry entries[32];
static int nentries;

static bool wanted(const struct opts *o, const char *name)
{
	if (o->only == NULL)
		return true;
	size_t n = strlen(name);
	for (const char *p = o->only; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && strncmp(p, name, n) == 0)
			return true;
		p += len + (e != NULL);
	}
	return false;
}

static void add_entry(enum kind k, const struct bench_mech *m)
{
	struct entry *e = &entries[nentries++];
	e->kind = k;
	e->m = m;
	if (k == E_MEMCPY) {
		e->name = "memcpy";
		e->family = "limit";
		e->sync = "none";
		e->label = "memcpy, one core";
	} else {
		e->name = m->name;
		e->family = m->family;
		e->sync = m->sync;
		e->label = m->label;
	}
}

static void build_entries(const struct opts *o)
{
	/* The limits are always measured: every figure is shown against
	 * them. */
	add_entry(E_MEMCPY, NULL);
	add_entry(E_CACHELINE, &bench_cacheline_mech);
	for (size_t i = 0; i < bench_shm_nmechs; i++)
		if (wanted(o, bench_shm_mechs[i].name))
			add_entry(E_MECH, &bench_shm_mechs[i]);
	for (size_t i = 0; i < bench_kernel_nmechs; i++)
		if (wanted(o, bench_kernel_mechs[i].name))
			add_entry(E_MECH, &bench_kernel_mechs[i]);
}

/* ---- statistics -------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/* Median of sorted v[0..n-1]. */
static double median_d(const double *v, size_t n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double median_f(const float *v, size_t n)
{
	return n % 2 ? v[n / 2] : ((double)v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Nearest-rank percentile of sorted v. */
static double pct_f(const float *v, size_t n, double p)
{
	size_t k = (size_t)ceil(p * (double)n);
	return v[k > 0 ? k - 1 : 0];
}

/* ---- runs -------------------------------------------------------------- */

static struct bench_pattern *patterns;
static struct opts opt;

static size_t cell_size(const struct cell *c)
{
	return opt.sizes[c->size_idx];
}

/* Run a cell once; returns the run's duration in ns (latency: the sum of
 * its round trips).  rep < 0 is calibration: results kept aside. */
static uint64_t run_cell(struct cell *c, int rep, uint64_t warm, uint64_t count)
{
	const struct entry *e = &entries[c->entry];
	const struct bench_pattern *pat = &patterns[c->size_idx];
	uint64_t ns = 0, bad = 0, verified = 0, w0 = bench_now_ns();
	if (e->kind == E_MEMCPY) {
		ns = bench_memcpy_run(pat, warm, count, &bad);
		verified = 1;
	} else {
		struct bench_run r;
		memset(&r, 0, sizeof(r));
		float *scratch = NULL;
		if (c->what == BENCH_LAT) {
			if (rep >= 0)
				r.samples = c->samples + (size_t)rep * count;
			else
				r.samples = scratch =
				    bench_xmalloc(count * sizeof(float));
		}
		bench_run_mech(e->m, pat, c->what, warm, count, &r);
		verified = r.verified;
		bad = r.bad;
		if (rep >= 0) {
			c->line_rtt[rep] = r.line_rtt_ns;
			c->sleeps_parent += r.sleeps_parent;
			c->sleeps_child += r.sleeps_child;
			c->timed += count;
		}
		if (c->what == BENCH_TP)
			ns = r.elapsed_ns;
		else
			for (uint64_t i = 0; i < count; i++)
				ns += (uint64_t)r.samples[i];
		free(scratch);
	}
	if (opt.verbose)
		fprintf(stderr,
			"ipcbench: %-10s %7zu B %s rep %d: %llu+%llu messages, "
			"%.2f ms timed, %.2f ms in all\n",
			e->name, cell_size(c),
			c->what == BENCH_TP ? "tp " : "lat", rep,
			(unsigned long long)warm, (unsigned long long)count,
			(double)ns / 1e6, (double)(bench_now_ns() - w0) / 1e6);
	if (bad != 0)
		fprintf(stderr,
			"ipcbench: %s, %zu B: %llu of %llu messages arrived "
			"corrupted\n",
			e->name, cell_size(c), (unsigned long long)bad,
			(unsigned long long)verified);
	if (ns == 0)
		ns = 1;
	if (rep >= 0) {
		c->verified += verified;
		c->bad += bad;
		if (c->what == BENCH_TP)
			c->tp[rep] = (double)count * (double)cell_size(c) *
				     1e9 / (double)ns;
	} else if (bad != 0) {
		c->bad += bad;
	}
	return ns;
}

static uint64_t warm_for(const struct cell *c, uint64_t count)
{
	if (opt.quick)
		return 4;
	uint64_t w = count / 10;
	if (c->what == BENCH_TP) {
		/* Every slot of a ring (a pipe's buffer) used once before
		 * timing: no first-touch page faults in the timed part. */
		uint64_t ring = BENCH_RING_BYTES / cell_size(c) + 1;
		if (w < ring)
			w = ring;
	} else if (w > 1000) {
		w = 1000;
	}
	return w < 4 ? 4 : w;
}

#define MIN_REPS 3
#define TP_CAP 2000000u
#define LAT_CAP 10000u /* samples per rep: plenty for a p99 */

/*
 * Size a cell's runs to about the target duration, growing a trial run
 * until it lasts an eighth of it (this is also the warm-up of the whole
 * program: nothing measured here is reported).  Other load only ever slows
 * a trial down, so the fastest rate seen sizes the runs.
 */
static void calibrate(struct cell *c)
{
	uint64_t target = (uint64_t)(opt.target_ms * 1e6);
	uint64_t cap = c->what == BENCH_TP ? TP_CAP : LAT_CAP;
	if (entries[c->entry].kind == E_MEMCPY)
		cap = 50u * TP_CAP;
	uint64_t n = 16;
	double best = 0; /* ns per message */
	for (;;) {
		uint64_t ns = run_cell(c, -1, warm_for(c, n), n);
		double per = (double)ns / (double)n;
		if (best == 0 || per < best)
			best = per;
		if (ns >= target / 8 || n >= cap)
			break;
		double f = (double)target / 4 / (double)ns;
		n = (uint64_t)((double)n * (f > 16 ? 16 : f < 2 ? 2 : f));
		if (n > cap)
			n = cap;
	}
	double want = (double)target / best;
	uint64_t min = c->what == BENCH_TP ? 4 : 20;
	c->count = want < (double)min	? min
		   : want > (double)cap ? cap
					: (uint64_t)want;
	c->warm = warm_for(c, c->count);
}

/* ---- the environment --------------------------------------------------- */

struct cpu_times {
	double busy, steal, wall; /* seconds */
};

static void read_cpu_times(struct cpu_times *t)
{
	unsigned long long v[8] = {0};
	FILE *f = fopen("/proc/stat", "r");
	memset(t, 0, sizeof(*t));
	if (f != NULL) {
		if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7]) != 8)
			memset(v, 0, sizeof(v));
		fclose(f);
	}
	double hz = (double)sysconf(_SC_CLK_TCK);
	/* user nice system idle iowait irq softirq steal */
	t->busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6]) / hz;
	t->steal = (double)v[7] / hz;
	t->wall = (double)bench_now_ns() / 1e9;
}

static double our_cpu_seconds(void)
{
	struct rusage s, c;
	getrusage(RUSAGE_SELF, &s);
	getrusage(RUSAGE_CHILDREN, &c);
	return (double)(s.ru_utime.tv_sec + s.ru_stime.tv_sec +
			c.ru_utime.tv_sec + c.ru_stime.tv_sec) +
	       (double)(s.ru_utime.tv_usec + s.ru_stime.tv_usec +
			c.ru_utime.tv_usec + c.ru_stime.tv_usec) /
		   1e6;
}

static void read_line(const char *path, const char *key, char *buf, size_t len)
{
	char line[512];
	FILE *f = fopen(path, "r");
	snprintf(buf, len, "unknown");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (key != NULL && strncmp(line, key, strlen(key)) != 0)
			continue;
		char *s = key ? strchr(line, ':') : line;
		if (s == NULL)
			continue;
		s += key != NULL;
		while (*s == ' ' || *s == '\t')
			s++;
		s[strcspn(s, "\n")] = '\0';
		snprintf(buf, len, "%s", s);
		break;
	}
	fclose(f);
}

/* ---- output ------------------------------------------------------------ */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static struct cell *cells;
static int ncells;

static struct cell *find_cell(int entry, int size_idx, enum bench_measure w)
{
	for (int i = 0; i < ncells; i++)
		if (cells[i].entry == entry && cells[i].size_idx == size_idx &&
		    cells[i].what == w)
			return &cells[i];
	return NULL;
}

static int find_entry(enum kind k)
{
	for (int i = 0; i < nentries; i++)
		if (entries[i].kind == k)
			return i;
	return -1;
}

/* The figures derived from the limits, for one shm cell. */
struct derived {
	bool have_frac, have_floor;
	double frac_memcpy, floor_ns, frac_floor;
};

static struct derived derive(int entry, int si)
{
	struct derived d;
	memset(&d, 0, sizeof(d));
	const struct cell *mc = find_cell(find_entry(E_MEMCPY), si, BENCH_TP);
	const struct cell *cl =
	    find_cell(find_entry(E_CACHELINE), 0, BENCH_LAT);
	const struct cell *tp = find_cell(entry, si, BENCH_TP);
	const struct cell *lat = find_cell(entry, si, BENCH_LAT);
	if (strcmp(entries[entry].family, "shm") != 0 || mc == NULL)
		return d;
	if (tp != NULL && mc->tp_med > 0) {
		d.have_frac = true;
		d.frac_memcpy = tp->tp_med / mc->tp_med;
	}
	if (lat != NULL && cl != NULL && mc->tp_med > 0 && lat->lat_med > 0) {
		/* A round trip moves the message both ways: at least one
		 * copy each way plus one line's round trip to signal. */
		d.have_floor = true;
		d.floor_ns = cl->lat_med +
			     2.0 * (double)opt.sizes[si] / mc->tp_med * 1e9;
		d.frac_floor = d.floor_ns / lat->lat_med;
	}
	return d;
}

/* Each repetition's cache-line round trip taken just before its run: the
 * two CPUs' placement at that time. */
static void json_line_rtt(FILE *f, const struct cell *c)
{
	if (entries[c->entry].kind != E_MECH)
		return;
	fprintf(f, ", \"line_rtt_ns\": [");
	for (int r = 0; r < opt.reps; r++)
		fprintf(f, "%s%.0f", r ? ", " : "", c->line_rtt[r]);
	fprintf(f, "]");
}

/* Futex waits per timed message (throughput: sender and receiver apart;
 * latency: both per round trip), for the mechanisms that can sleep. */
static void json_sleeps(FILE *f, const struct cell *c)
{
	const struct entry *e = &entries[c->entry];
	if (e->kind != E_MECH || e->m->sleeps == NULL || e->m->spin ||
	    c->timed == 0)
		return;
	double n = (double)c->timed;
	if (c->what == BENCH_TP)
		fprintf(f,
			", \"sleeps_per_msg\": {\"sender\": %.4g, "
			"\"receiver\": %.4g}",
			(double)c->sleeps_parent / n,
			(double)c->sleeps_child / n);
	else
		fprintf(f, ", \"sleeps_per_rtt\": %.4g",
			(double)(c->sleeps_parent + c->sleeps_child) / n);
}

static void write_json(const char *path, const char *env_json)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		bench_die("%s: %s", path, strerror(errno));
	fprintf(f, "{\n  \"tool\": \"shmconform-ipcbench\",\n"
		   "  \"format\": 1,\n");
	fputs(env_json, f);
	fprintf(f, "  \"results\": [\n");
	bool first = true;
	for (int e = 0; e < nentries; e++)
		for (int si = 0; si < opt.nsizes; si++) {
			const struct cell *tp = find_cell(e, si, BENCH_TP);
			const struct cell *lat = find_cell(e, si, BENCH_LAT);
			if (tp == NULL && lat == NULL)
				continue;
			/* The cache line carries no message: its size is
			 * the line's. */
			size_t size = entries[e].kind == E_CACHELINE
					  ? BENCH_LINE
					  : opt.sizes[si];
			fprintf(f, "%s    {\"mech\": ", first ? "" : ",\n");
			first = false;
			json_str(f, entries[e].name);
			fprintf(f, ", \"family\": ");
			json_str(f, entries[e].family);
			fprintf(f, ", \"sync\": ");
			json_str(f, entries[e].sync);
			fprintf(f, ", \"label\": ");
			json_str(f, entries[e].label);
			fprintf(f, ", \"size\": %zu", size);
			uint64_t ver = 0, bad = 0;
			if (tp != NULL) {
				fprintf(
				    f,
				    ",\n     \"tp\": {\"bytes_per_s\": %.6g, "
				    "\"msgs_per_s\": %.6g, "
				    "\"min_bytes_per_s\": %.6g, "
				    "\"max_bytes_per_s\": %.6g, "
				    "\"count\": %llu, \"warm\": %llu, "
				    "\"reps\": [",
				    tp->tp_med, tp->tp_med / (double)size,
				    tp->tp_min, tp->tp_max,
				    (unsigned long long)tp->count,
				    (unsigned long long)tp->warm);
				for (int r = 0; r < opt.reps; r++)
					fprintf(f, "%s%.6g", r ? ", " : "",
						tp->tp[r]);
				fprintf(f, "]");
				json_line_rtt(f, tp);
				json_sleeps(f, tp);
				fprintf(f, "}");
				ver += tp->verified;
				bad += tp->bad;
			}
			if (lat != NULL) {
				fprintf(
				    f,
				    ",\n     \"lat\": {\"median_ns\": %.6g, "
				    "\"p99_ns\": %.6g, "
				    "\"rep_median_min_ns\": %.6g, "
				    "\"rep_median_max_ns\": %.6g, "
				    "\"samples\": %llu, \"warm\": %llu",
				    lat->lat_med, lat->lat_p99,
				    lat->lat_rep_min, lat->lat_rep_max,
				    (unsigned long long)(lat->count *
							 (uint64_t)opt.reps),
				    (unsigned long long)lat->warm);
				json_sleeps(f, lat);
				fprintf(f, "}");
				ver += lat->verified;
				bad += lat->bad;
			}
			struct derived d = derive(e, si);
			if (d.have_frac)
				fprintf(f, ",\n     \"frac_memcpy\": %.4f",
					d.frac_memcpy);
			if (d.have_floor)
				fprintf(f,
					", \"floor_ns\": %.6g, "
					"\"frac_floor\": %.4f",
					d.floor_ns, d.frac_floor);
			fprintf(f, ",\n     \"verified\": %llu, \"bad\": %llu}",
				(unsigned long long)ver,
				(unsigned long long)bad);
		}
	fprintf(f, "\n  ]\n}\n");
	if (fclose(f) != 0)
		bench_die("%s: %s", path, strerror(errno));
}

static void csv_num(FILE *f, bool have, double v)
{
	if (have)
		fprintf(f, ",%.6g", v);
	else
		fputc(',', f);
}

static void write_csv(const char *path)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		bench_die("%s: %s", path, strerror(errno));
	fprintf(f, "mech,family,sync,size,tp_bytes_per_s,tp_msgs_per_s,"
		   "tp_min_bytes_per_s,tp_max_bytes_per_s,lat_median_ns,"
		   "lat_p99_ns,lat_rep_median_min_ns,lat_rep_median_max_ns,"
		   "frac_memcpy,floor_ns,frac_floor,verified,bad\n");
	for (int e = 0; e < nentries; e++)
		for (int si = 0; si < opt.nsizes; si++) {
			const struct cell *tp = find_cell(e, si, BENCH_TP);
			const struct cell *lat = find_cell(e, si, BENCH_LAT);
			if (tp == NULL && lat == NULL)
				continue;
			size_t size = entries[e].kind == E_CACHELINE
					  ? BENCH_LINE
					  : opt.sizes[si];
			fprintf(f, "%s,%s,%s,%zu", entries[e].name,
				entries[e].family, entries[e].sync, size);
			csv_num(f, tp, tp ? tp->tp_med : 0);
			csv_num(f, tp, tp ? tp->tp_med / (double)size : 0);
			csv_num(f, tp, tp ? tp->tp_min : 0);
			csv_num(f, tp, tp ? tp->tp_max : 0);
			csv_num(f, lat, lat ? lat->lat_med : 0);
			csv_num(f, lat, lat ? lat->lat_p99 : 0);
			csv_num(f, lat, lat ? lat->lat_rep_min : 0);
			csv_num(f, lat, lat ? lat->lat_rep_max : 0);
			struct derived d = derive(e, si);
			csv_num(f, d.have_frac, d.frac_memcpy);
			csv_num(f, d.have_floor, d.floor_ns);
			csv_num(f, d.have_floor, d.frac_floor);
			fprintf(f, ",%llu,%llu\n",
				(unsigned long long)((tp ? tp->verified : 0) +
						     (lat ? lat->verified : 0)),
				(unsigned long long)((tp ? tp->bad : 0) +
						     (lat ? lat->bad : 0)));
		}
	if (fclose(f) != 0)
		bench_die("%s: %s", path, strerror(errno));
}

/* ---- main -------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ipcbench --out DIR [--quick] [--reps N] "
		"[--target-ms MS]\n"
		"                [--sizes B,B,...] [--only MECH,...] "
		"[--timeout S]\n"
		"                [--budget S] [--verbose]\n"
		"Measures shared memory against pipes, socketpairs and message "
		"queues\n(throughput and round-trip latency) and this "
		"machine's limits; writes\nDIR/ipcbench.json and "
		"DIR/ipcbench.csv.  --quick: a few messages each,\none "
		"repetition (a correctness check, not a measurement).\n"
		"Defaults: 7 repetitions of about 10 ms per run, fewer (at "
		"least %d) if\nthe whole run would pass --budget (50 s; 0: "
		"no limit).\n",
		MIN_REPS);
}

static void parse_sizes(const char *s)
{
	opt.nsizes = 0;
	while (*s) {
		char *end;
		unsigned long long v = strtoull(s, &end, 0);
		if (end == s || v < 8 || v > (64u << 20) ||
		    opt.nsizes ==
			(int)(sizeof(opt.sizes) / sizeof(opt.sizes[0])))
			bench_die(
			    "--sizes: sizes from 8 B to 64 MiB, at most 32");
		opt.sizes[opt.nsizes++] = (size_t)v;
		s = *end == ',' ? end + 1 : end;
		if (*end != ',' && *end != '\0')
			bench_die("--sizes: a comma-separated list of bytes");
	}
}

static void parse_opts(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"quick", no_argument, NULL, 'q'},
	    {"out", required_argument, NULL, 'o'},
	    {"reps", required_argument, NULL, 'r'},
	    {"target-ms", required_argument, NULL, 't'},
	    {"sizes", required_argument, NULL, 's'},
	    {"only", required_argument, NULL, 'O'},
	    {"timeout", required_argument, NULL, 'T'},
	    {"budget", required_argument, NULL, 'b'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *sizes = NULL;
	int reps = -1, c;
	opt.target_ms = 10;
	opt.timeout = 120;
	opt.budget = -1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'q':
			opt.quick = true;
			break;
		case 'o':
			opt.out = optarg;
			break;
		case 'r':
			reps = atoi(optarg);
			break;
		case 't':
			opt.target_ms = atof(optarg);
			break;
		case 's':
			sizes = optarg;
			break;
		case 'O':
			opt.only = optarg;
			break;
		case 'b':
			opt.budget = atof(optarg);
			break;
		case 'T':
			opt.timeout = (unsigned)atoi(optarg);
			break;
		case 'v':
			opt.verbose = bench_verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (opt.out == NULL || optind != argc) {
		usage(stderr);
		exit(2);
	}
	opt.reps = reps > 0 ? reps : opt.quick ? 1 : 7;
	if (opt.budget < 0)
		opt.budget = opt.quick ? 0 : 50;
	if (opt.target_ms <= 0 || opt.timeout == 0)
		bench_die("--target-ms and --timeout must be positive");
	if (sizes != NULL) {
		parse_sizes(sizes);
	} else {
		const size_t *d = opt.quick ? quick_sizes : default_sizes;
		size_t n = opt.quick ? sizeof(quick_sizes) / sizeof(size_t)
				     : sizeof(default_sizes) / sizeof(size_t);
		for (size_t i = 0; i < n; i++)
			opt.sizes[i] = d[i];
		opt.nsizes = (int)n;
	}
}

static void make_cells(void)
{
	cells = bench_xmalloc((size_t)nentries * (size_t)opt.nsizes * 2 *
			      sizeof(*cells));
	for (int e = 0; e < nentries; e++)
		for (int si = 0; si < opt.nsizes; si++)
			for (int w = 0; w < 2; w++) {
				enum kind k = entries[e].kind;
				/* memcpy is one process: no latency; the
				 * cache line is one size: latency only. */
				if ((k == E_MEMCPY && w == BENCH_LAT) ||
				    (k == E_CACHELINE &&
				     (w == BENCH_TP || si > 0)))
					continue;
				struct cell *c = &cells[ncells++];
				memset(c, 0, sizeof(*c));
				c->entry = e;
				c->size_idx = si;
				c->what = (enum bench_measure)w;
				c->tp = bench_xmalloc((size_t)opt.reps *
						      sizeof(double));
				c->rep_med = bench_xmalloc((size_t)opt.reps *
							   sizeof(double));
				c->line_rtt = bench_xmalloc((size_t)opt.reps *
							    sizeof(float));
			}
}

static void summarise(struct cell *c)
{
	size_t reps = (size_t)opt.reps;
	if (c->what == BENCH_TP) {
		double *v = bench_xmalloc(reps * sizeof(double));
		memcpy(v, c->tp, reps * sizeof(double));
		qsort(v, reps, sizeof(double), cmp_double);
		c->tp_med = median_d(v, reps);
		c->tp_min = v[0];
		c->tp_max = v[reps - 1];
		free(v);
		return;
	}
	for (size_t r = 0; r < reps; r++) {
		float *s = c->samples + r * c->count;
		float *v = bench_xmalloc(c->count * sizeof(float));
		memcpy(v, s, c->count * sizeof(float));
		qsort(v, c->count, sizeof(float), cmp_float);
		c->rep_med[r] = median_f(v, c->count);
		free(v);
	}
	size_t n = reps * c->count;
	qsort(c->samples, n, sizeof(float), cmp_float);
	c->lat_med = median_f(c->samples, n);
	c->lat_p99 = pct_f(c->samples, n, 0.99);
	double *m = bench_xmalloc(reps * sizeof(double));
	memcpy(m, c->rep_med, reps * sizeof(double));
	qsort(m, reps, sizeof(double), cmp_double);
	c->lat_rep_min = m[0];
	c->lat_rep_max = m[reps - 1];
	free(m);
}

/* Environment facts, as JSON members (each line ends with a comma). */
static char *env_json(int ncpu_found, const int cpu[2],
		      const struct cpu_times *t0, const struct cpu_times *t1,
		      double ours, const char *load0, const char *load1)
{
	static char buf[8192];
	char model[256];
	struct bench_kernel_limits kl;
	/* The kernel, a hypervisor, the file system: sc-probe's probe.json
	 * beside this file says those (ci/bench writes it). */
	read_line("/proc/cpuinfo", "model name", model, sizeof(model));
	bench_kernel_limits(&kl);
	char place[160];
	if (ncpu_found >= 2)
		snprintf(place, sizeof(place),
			 "parent pinned to CPU %d, child to CPU %d", cpu[0],
			 cpu[1]);
	else if (ncpu_found == 1)
		snprintf(place, sizeof(place),
			 "one CPU only (%d): both processes share it, "
			 "spinning yields",
			 cpu[0]);
	else
		snprintf(place, sizeof(place), "not pinned");
	double wall = t1->wall - t0->wall;
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	/* Busy CPU time of everything but this benchmark, as a share of all
	 * CPUs: how shared the machine was while we measured. */
	double other = (t1->busy - t0->busy - ours) / (wall * (double)online);
	double steal = (t1->steal - t0->steal) / (wall * (double)online);
	char sizes[512] = "";
	for (int i = 0; i < opt.nsizes; i++)
		snprintf(sizes + strlen(sizes), sizeof(sizes) - strlen(sizes),
			 "%s%zu", i ? ", " : "", opt.sizes[i]);
	char ts[64];
	time_t now = time(NULL);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	const char *fdir = bench_file_dir();
	snprintf(
	    buf, sizeof(buf),
	    "  \"mode\": \"%s\",\n  \"date\": \"%s\",\n"
	    "  \"machine\": {\"cpu_model\": \"%s\", "
	    "\"cpus_online\": %ld, \"page_size\": %ld,\n"
	    "    \"placement\": \"%s\", \"distinct_cpus\": %s,\n"
	    "    \"loadavg_start\": \"%s\", \"loadavg_end\": \"%s\",\n"
	    "    \"other_load\": %.3f, \"steal\": %.3f, "
	    "\"wall_s\": %.2f, \"our_cpu_s\": %.2f},\n"
	    "  \"params\": {\"reps\": %d, \"reps_planned\": %d, "
	    "\"budget_s\": %g, \"target_ms\": %g, "
	    "\"sizes\": [%s],\n"
	    "    \"ring_bytes\": %d, \"variants\": %d,\n"
	    "    \"file_dir\": \"%s\",\n"
	    "    \"pipe_buf\": %ld, \"sock_sndbuf\": %ld, \"msgmax\": %ld, "
	    "\"msgmnb\": %ld, \"mq_msgsize\": %ld, \"mq_maxmsg\": %ld},\n",
	    opt.quick ? "quick" : "full", ts, model, online,
	    sysconf(_SC_PAGESIZE), place, ncpu_found >= 2 ? "true" : "false",
	    load0, load1, other < 0 ? 0 : other, steal, wall, ours, opt.reps,
	    opt.reps_planned, opt.budget, opt.target_ms, sizes,
	    BENCH_RING_BYTES, BENCH_VARIANTS, fdir, kl.pipe_buf, kl.sock_sndbuf,
	    kl.msgmax, kl.msgmnb, kl.mq_msgsize, kl.mq_maxmsg);
	return buf;
}

/* A fixed shuffle per repetition (xorshift): each rep its own order. */
static void shuffle(int *order, int n, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15u + 1;
	for (int i = n - 1; i > 0; i--) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int j = (int)(x % (uint64_t)(i + 1));
		int t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

int main(int argc, char **argv)
{
	parse_opts(argc, argv);
	if (mkdir(opt.out, 0755) != 0 && errno != EEXIST)
		bench_die("%s: %s", opt.out, strerror(errno));
	bench_proc_install_signals();
	bench_proc_set_timeout(opt.timeout);
	int cpu[2];
	int found = bench_pick_cpus(cpu);
	bench_pin(cpu[0]);
	bench_proc_set_cpus(cpu[0], cpu[1]);
	build_entries(&opt);
	patterns = bench_xmalloc((size_t)opt.nsizes * sizeof(*patterns));
	for (int i = 0; i < opt.nsizes; i++)
		bench_pattern_init(&patterns[i], opt.sizes[i]);
	make_cells();

	char load0[128], load1[128];
	read_line("/proc/loadavg", NULL, load0, sizeof(load0));
	struct cpu_times t0, t1;
	double ours0 = our_cpu_seconds();
	read_cpu_times(&t0);

	uint64_t start = bench_now_ns();
	fprintf(stderr, "ipcbench: %d mechanisms x %d sizes, %d cells, %s\n",
		nentries, opt.nsizes, ncells,
		opt.quick ? "quick mode" : "calibrating (also the warm-up)");
	for (int i = 0; i < ncells; i++) {
		struct cell *c = &cells[i];
		if (opt.quick) {
			c->count = 12;
			c->warm = warm_for(c, c->count);
		} else {
			calibrate(c);
		}
		if (c->what == BENCH_LAT)
			c->samples = bench_xmalloc((size_t)opt.reps * c->count *
						   sizeof(float));
	}
	int *order = bench_xmalloc((size_t)ncells * sizeof(int));
	uint64_t reps_start = bench_now_ns();
	int done = 0;
	while (done < opt.reps) {
		fprintf(stderr, "ipcbench: repetition %d of %d (%.1f s)\n",
			done + 1, opt.reps,
			(double)(bench_now_ns() - start) / 1e9);
		for (int i = 0; i < ncells; i++)
			order[i] = i;
		shuffle(order, ncells, (uint64_t)done + 1);
		for (int i = 0; i < ncells; i++) {
			struct cell *c = &cells[order[i]];
			run_cell(c, done, c->warm, c->count);
		}
		done++;
		/* Within the time budget: stop early (never below MIN_REPS)
		 * when one more repetition would overrun it. */
		double now = (double)(bench_now_ns() - start) / 1e9;
		double per = (double)(bench_now_ns() - reps_start) / 1e9 / done;
		if (opt.budget > 0 && done >= MIN_REPS && done < opt.reps &&
		    now + per > opt.budget) {
			fprintf(stderr,
				"ipcbench: time budget of %g s reached after "
				"%d repetitions (a loaded machine is slow)\n",
				opt.budget, done);
			break;
		}
	}
	free(order);
	opt.reps_planned = opt.reps;
	opt.reps = done;
	read_cpu_times(&t1);
	read_line("/proc/loadavg", NULL, load1, sizeof(load1));
	double ours = our_cpu_seconds() - ours0;

	uint64_t bad = 0, verified = 0;
	for (int i = 0; i < ncells; i++) {
		summarise(&cells[i]);
		bad += cells[i].bad;
		verified += cells[i].verified;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/ipcbench.json", opt.out);
	write_json(path, env_json(found, cpu, &t0, &t1, ours, load0, load1));
	snprintf(path, sizeof(path), "%s/ipcbench.csv", opt.out);
	write_csv(path);
	fprintf(stderr,
		"ipcbench: %.1f s; %llu messages checked, %llu corrupted; "
		"wrote %s/ipcbench.{json,csv}\n",
		(double)(bench_now_ns() - start) / 1e9,
		(unsigned long long)verified, (unsigned long long)bad, opt.out);

	for (int i = 0; i < ncells; i++) {
		free(cells[i].tp);
		free(cells[i].rep_med);
		free(cells[i].line_rtt);
		free(cells[i].samples);
	}
	free(cells);
	for (int i = 0; i < opt.nsizes; i++)
		bench_pattern_free(&patterns[i]);
	free(patterns);
	return bad == 0 && verified > 0 ? 0 : 1;
}
