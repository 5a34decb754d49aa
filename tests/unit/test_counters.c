// SPDX-License-Identifier: LGPL-2.1-or-later
/* The counters file (text round trip, a reset on garbage, no lost update
 * among concurrent writers) and the metrics text it feeds. */
#include "check.h"
#include "store-counters.h"
#include "log-metrics.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

TEST(parse_format_round_trip)
{
	uint64_t v[COUNTER__MAX] = {}, back[COUNTER__MAX];
	char text[COUNTERS_MAX_BYTES];
	size_t len;

	v[COUNTER_REGISTERED] = 3;
	v[COUNTER_OBJECTS_RECORDED] = 18446744073709551615ull;
	v[COUNTER_GC_LAST_SUCCESS] = 1700000000;
	CHECK_EQ_INT(counters_format(v, text, sizeof(text), &len), 0);
	CHECK(strstr(text, "registered 3\n") == text);
	counters_parse(text, len, back);
	CHECK(memcmp(v, back, sizeof(v)) == 0);
	/* Unknown keys (a newer bpfreaper) and garbage count as nothing. */
	static const char mixed[] = "registered 5\nfuture_counter 9\npins_left x\npins_left\n-1 2\nobjects_freed 7\n"
				    "objects_survived 12";
	counters_parse(mixed, sizeof(mixed) - 1, back);
	CHECK(back[COUNTER_REGISTERED] == 5);
	CHECK(back[COUNTER_PINS_LEFT] == 0);
	CHECK(back[COUNTER_OBJECTS_FREED] == 7);
	CHECK(back[COUNTER_OBJECTS_SURVIVED] == 0); /* no newline: a write under way */
	for (size_t c = 0; c < COUNTER__MAX; c++)
		CHECK(strcmp(counter_key((enum counter)c), "?") != 0);
}

static char run_dir[] = "/tmp/bpfreaper-unit-counters.XXXXXX";

/* Writers in parallel never lose an update: the lock covers read to write. */
TEST(concurrent_adds_all_counted)
{
	enum { WRITERS = 8, ADDS = 200 };
	uint64_t v[COUNTER__MAX];
	struct timespec t0, t1;

	CHECK_EQ_INT(counters_read(v), 0);
	CHECK(v[COUNTER_REGISTERED] == 0);
	for (int w = 0; w < WRITERS; w++) {
		pid_t pid = fork();

		if (pid == 0) {
			struct counter_op ops[] = { COUNTER_ADD(COUNTER_REGISTERED, 1), COUNTER_ADD(COUNTER_OBJECTS_RECORDED, 3) };

			for (int i = 0; i < ADDS; i++)
				if (counters_apply(ops, 2) < 0)
					_exit(1);
			_exit(0);
		}
		CHECK(pid > 0);
	}
	for (int w = 0; w < WRITERS; w++) {
		int status = 0;

		CHECK(wait(&status) > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	CHECK_EQ_INT(counters_read(v), 0);
	CHECK_EQ_INT(v[COUNTER_REGISTERED], WRITERS * ADDS);
	CHECK_EQ_INT(v[COUNTER_OBJECTS_RECORDED], 3 * WRITERS * ADDS);
	/* What a hook pays per update, printed for README's "Metrics". */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 2000; i++)
		(void)counters_add(COUNTER_PRESTART_SKIPPED, 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("    counters_add: %.1f us per update\n",
	       ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / 2000 / 1000);
	CHECK_EQ_INT(counters_read(v), 0);
	CHECK_EQ_INT(v[COUNTER_PRESTART_SKIPPED], 2000);
}

/* A set replaces; a garbage file is a reset, then counts again. */
TEST(set_and_reset)
{
	struct counter_op set = COUNTER_SET(COUNTER_GC_LAST_SUCCESS, 1700000000);
	uint64_t v[COUNTER__MAX];
	char path[128];
	FILE *f;

	CHECK_EQ_INT(counters_apply(&set, 1), 0);
	set.value = 1700000001;
	CHECK_EQ_INT(counters_apply(&set, 1), 0);
	CHECK_EQ_INT(counters_read(v), 0);
	CHECK(v[COUNTER_GC_LAST_SUCCESS] == 1700000001);
	snprintf(path, sizeof(path), "%s/" COUNTERS_FILE, run_dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		for (int i = 0; i < 300; i++)
			fputs("garbage garbage\n", f);
		fclose(f);
	}
	CHECK_EQ_INT(counters_add(COUNTER_PINS_LEFT, 2), 0);
	CHECK_EQ_INT(counters_read(v), 0);
	CHECK(v[COUNTER_PINS_LEFT] == 2 && v[COUNTER_REGISTERED] == 0);
	/* The garbage tail is gone, not parsed again. */
	f = fopen(path, "r");
	if (f) {
		fseek(f, 0, SEEK_END);
		CHECK(ftell(f) < 1024);
		fclose(f);
	}
	CHECK_EQ_INT(unlink(path), 0);
}

TEST(metrics_text)
{
	struct metrics m = { .tracer_loaded = true, .backend = TRACER_BACKEND_TRACEPOINT, .registered = 2,
			     .states = 2, .earlier_states = 1, .obj_records = 5, .obj_records_max = 4 };
	char *text = NULL;

	m.counters[COUNTER_TEARDOWNS_GC] = 7;
	m.counters[COUNTER_PRESTART_BAD_INPUT] = 1;
	CHECK_EQ_INT(metrics_format(&m, &text), 0);
	if (!text)
		return;
	CHECK(strstr(text, "\nbpfreaper_teardowns_total{by=\"gc\"} 7\n"));
	CHECK(strstr(text, "\nbpfreaper_prestart_failures_total{reason=\"bad_input\"} 1\n"));
	CHECK(strstr(text, "\nbpfreaper_tracer_backend_info{backend=\"tracepoint\"} 1\n"));
	CHECK(strstr(text, "\nbpfreaper_tracer_backend_info{backend=\"trampoline\"} 0\n"));
	CHECK(strstr(text, "\nbpfreaper_container_states{run=\"earlier\"} 1\n"));
	CHECK(strstr(text, "\nbpfreaper_records_live_max{budget=\"objects\"} 4\n"));
	/* One HELP and TYPE per family, even with several series. */
	CHECK(strstr(text, "# TYPE bpfreaper_teardowns_total counter\n"));
	CHECK(strstr(strstr(text, "# TYPE bpfreaper_teardowns_total") + 1, "# TYPE bpfreaper_teardowns_total") == NULL);
	CHECK(text[strlen(text) - 1] == '\n');
	free(text);
}

static int setup(void)
{
	if (!mkdtemp(run_dir))
		return -errno;
	setenv("BPFREAPER_RUN_DIR", run_dir, 1);
	return 0;
}

static void teardown(void)
{
	rmdir(run_dir);
}
TEST_FIXTURE(setup, teardown);

/* The live series: node totals by kind, the largest containers with their
 * pod, label values escaped (a pod field may hold any printable ASCII);
 * left out when the collection failed. */
TEST(metrics_live_series)
{
	struct metrics m = { .tracer_loaded = true, .live_collected = true, .live_maps = 6, .live_progs = 1,
			     .live_pins = 6, .live_map_bytes = 11600, .live_prog_bytes = 6416, .n_top = 1 };
	char *text = NULL;

	snprintf(m.top[0].id, sizeof(m.top[0].id), "web-1");
	snprintf(m.top[0].pod.pod, sizeof(m.top[0].pod.pod), "we\"b\\x");
	snprintf(m.top[0].pod.pod_namespace, sizeof(m.top[0].pod.pod_namespace), "shop");
	m.top[0].objects = 7;
	m.top[0].bytes = 18016;
	CHECK_EQ_INT(metrics_format(&m, &text), 0);
	if (!text)
		return;
	CHECK(strstr(text, "\nbpfreaper_live_objects{kind=\"map\"} 6\n"));
	CHECK(strstr(text, "\nbpfreaper_live_objects{kind=\"link\"} 0\n"));
	CHECK(strstr(text, "\nbpfreaper_live_bytes{kind=\"prog\"} 6416\n"));
	CHECK(strstr(text, "\nbpfreaper_container_live_objects{container_id=\"web-1\",pod=\"we\\\"b\\\\x\",namespace=\"shop\"} 7\n"));
	CHECK(strstr(text, "\nbpfreaper_container_live_bytes{container_id=\"web-1\",pod=\"we\\\"b\\\\x\",namespace=\"shop\"} 18016\n"));
	free(text);
	m.live_collected = false;
	CHECK_EQ_INT(metrics_format(&m, &text), 0);
	if (!text)
		return;
	CHECK(strstr(text, "bpfreaper_live_objects") == NULL);
	free(text);
}
